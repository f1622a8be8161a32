"""The journey analytics answer (`GET /journeys/{id}/analytics`), shaped from
`analytics.JourneyAnalytics`: plain numbers, the Sankey ready for plotly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from cxhub.experience.journeys.analytics import JourneyAnalytics
from cxhub.experience.journeys.formulas import ScoreSummary


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class FunnelStageOut(BaseModel):
    key: str
    name: str
    position: int
    reached: int
    conversion_to_next: float | None
    conversion_from_start: float | None
    drop_off: int
    drop_off_rate: float | None


class StageTimeOut(BaseModel):
    key: str
    position: int
    entered: int
    left: int
    median_seconds: float | None
    p90_seconds: float | None


class ScoresOut(BaseModel):
    touchpoints: int
    responses: int
    nps: float | None
    mean_score: float | None
    sentiment_count: int
    mean_sentiment: float | None
    negative_share: float | None

    @classmethod
    def of(cls, summary: ScoreSummary) -> ScoresOut:
        return cls(**summary.__dict__)


class StageScoresOut(ScoresOut):
    stage: str


class ChannelScoresOut(ScoresOut):
    channel: str
    kind: str


class SankeyOut(BaseModel):
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]


class PathOut(BaseModel):
    steps: list[str]
    customers: int


class JourneyAnalyticsOut(BaseModel):
    journey_id: int
    since: datetime
    until: datetime
    funnel: list[FunnelStageOut]
    time_in_stage: list[StageTimeOut]
    sankey: SankeyOut
    top_paths: list[PathOut]
    by_stage: list[StageScoresOut]
    by_channel: list[ChannelScoresOut]

    @classmethod
    def of(cls, journey_id: int, result: JourneyAnalytics) -> JourneyAnalyticsOut:
        return cls(
            journey_id=journey_id,
            since=_aware(result.since),
            until=_aware(result.until),
            funnel=[FunnelStageOut(**f.__dict__) for f in result.funnel],
            time_in_stage=[StageTimeOut(**t.__dict__) for t in result.time_in_stage],
            sankey=SankeyOut(**result.sankey),
            top_paths=[PathOut(**p) for p in result.top_paths],
            by_stage=[
                StageScoresOut(stage=key, **summary.__dict__) for key, summary in result.by_stage
            ],
            by_channel=[
                ChannelScoresOut(channel=channel, kind=kind, **summary.__dict__)
                for channel, kind, summary in result.by_channel
            ],
        )
