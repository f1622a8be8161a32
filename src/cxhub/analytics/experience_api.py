"""`GET /api/v1/metrics/experience`: connected experience (score, repeat contacts, channel
switching, repeated information, FCR; weekly trend; the customers with the lowest score),
sentiment by channel, the CSAT and NPS trends and the top negative topics (docs/metrics.md,
"Experience summary"). The CX dashboard (`/experience`) shows the same `experience_metrics`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cxhub.analytics.connected_experience import DEFAULT_WINDOW_DAYS, ConnectedGroup
from cxhub.analytics.experience_kpis import (
    ChannelSentiment,
    NegativeTopic,
    WeeklyScore,
    experience_metrics,
)
from cxhub.analytics.service_kpis import check_period
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])

DEFAULT_DAYS = 90


class ConnectedOut(BaseModel):
    key: str | None = Field(description="The week (its Monday) or the contact id; null = all.")
    tickets: int
    repeat_contacts: int
    channel_switches: int
    repeated_information: int
    solved: int
    first_contact_resolved: int
    repeat_rate: float | None = Field(description="Percent of the tickets.")
    switch_rate: float | None = Field(description="Percent of the tickets.")
    repeated_information_share: float | None = Field(description="Percent of the tickets.")
    fcr_rate: float | None = Field(description="Percent of the solved tickets.")
    score: float | None = Field(description="Connected-experience score, 0–100.")

    @classmethod
    def of(cls, group: ConnectedGroup) -> ConnectedOut:
        return cls(
            key=group.key,
            tickets=group.tickets,
            repeat_contacts=group.repeat_contacts,
            channel_switches=group.channel_switches,
            repeated_information=group.repeated_information,
            solved=group.solved,
            first_contact_resolved=group.first_contact_resolved,
            repeat_rate=group.repeat_rate,
            switch_rate=group.switch_rate,
            repeated_information_share=group.repeated_information_share,
            fcr_rate=group.fcr_rate,
            score=group.score,
        )


class ChannelSentimentOut(BaseModel):
    channel: str
    texts: int
    positive: int
    neutral: int
    negative: int
    mean_score: float | None = Field(description="Mean P(positive) − P(negative), −1..1.")
    net_sentiment: float | None = Field(description="(positive − negative) ÷ texts, −1..1.")

    @classmethod
    def of(cls, row: ChannelSentiment) -> ChannelSentimentOut:
        return cls(**row.__dict__, net_sentiment=row.net_sentiment)


class WeeklyOut(BaseModel):
    week: str = Field(description="The Monday starting the week (UTC), YYYY-MM-DD.")
    responses: int
    value: float | None

    @classmethod
    def of(cls, row: WeeklyScore) -> WeeklyOut:
        return cls(**row.__dict__)


class TopicOut(BaseModel):
    topic: str
    negative_texts: int
    texts: int
    negative_share: float | None = Field(description="Percent of the topic's texts.")

    @classmethod
    def of(cls, row: NegativeTopic) -> TopicOut:
        return cls(**row.__dict__, negative_share=row.negative_share)


class ExperienceMetricsOut(BaseModel):
    workspace_id: int
    since: datetime
    until: datetime
    window_days: int
    connected: ConnectedOut
    connected_weekly: list[ConnectedOut]
    lowest_customers: list[ConnectedOut] = Field(description="Keys are contact ids.")
    sentiment_by_channel: list[ChannelSentimentOut]
    csat_weekly: list[WeeklyOut] = Field(description="CSAT percent of the week's ratings.")
    nps_weekly: list[WeeklyOut] = Field(description="NPS (−100..100) of the week's answers.")
    top_negative_topics: list[TopicOut]


@router.get("/metrics/experience", response_model=ExperienceMetricsOut)
def experience_summary(
    session: DbSession,
    since: datetime | None = None,
    until: datetime | None = None,
    window_days: Annotated[int, Query(ge=1, le=90)] = DEFAULT_WINDOW_DAYS,
    principal: Principal = require(Permission.INTERACTIONS_READ),
) -> ExperienceMetricsOut:
    """For tickets, texts and answers of `[since, until)` (default: the last 90 days); a
    repeat / switch / follow-up is another contact of the same customer within
    `window_days` (default 7). Definitions: docs/metrics.md."""
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=DEFAULT_DAYS)
    check_period(since, until)
    report = experience_metrics(
        session,
        workspace_id=principal.workspace_id,
        since=since,
        until=until,
        window_days=window_days,
    )
    return ExperienceMetricsOut(
        workspace_id=principal.workspace_id,
        since=since,
        until=until,
        window_days=window_days,
        connected=ConnectedOut.of(report.connected),
        connected_weekly=[ConnectedOut.of(g) for g in report.connected_weekly],
        lowest_customers=[ConnectedOut.of(g) for g in report.lowest_customers],
        sentiment_by_channel=[ChannelSentimentOut.of(r) for r in report.sentiment_by_channel],
        csat_weekly=[WeeklyOut.of(r) for r in report.csat_weekly],
        nps_weekly=[WeeklyOut.of(r) for r in report.nps_weekly],
        top_negative_topics=[TopicOut.of(r) for r in report.top_negative_topics],
    )
