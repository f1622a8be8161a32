"""`GET /api/v1/metrics/knowledge`: deflection, search success, knowledge gaps, usefulness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cxhub.analytics.knowledge import knowledge_kpis
from cxhub.analytics.knowledge_gaps import gap_topics
from cxhub.analytics.service_kpis import check_period
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])


class KnowledgeGapOut(BaseModel):
    query: str
    searches: int
    without_results: int


class GapWeekOut(BaseModel):
    week: date = Field(description="Monday of the week (UTC)")
    searches: int


class GapTopicOut(BaseModel):
    topic: str
    kind: Literal["taxonomy", "cluster", "other"]
    searches: int
    without_results: int
    examples: list[str]
    weeks: list[GapWeekOut]


class ArticleUsefulnessOut(BaseModel):
    article_id: int
    helpful_votes: int
    unhelpful_votes: int
    uses_in_replies: int


class KnowledgeMetricsOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    suggestion_sessions: int
    deflected_sessions: int
    deflection_rate: float | None = Field(description="percent; null without sessions")
    customer_searches: int
    successful_searches: int
    search_success_rate: float | None = Field(description="percent; null without searches")
    gaps: list[KnowledgeGapOut]
    gap_topics: list[GapTopicOut] = Field(
        description="knowledge gaps grouped by topic, with weekly counts"
    )
    articles: list[ArticleUsefulnessOut]


@router.get("/metrics/knowledge", response_model=KnowledgeMetricsOut, response_model_by_alias=True)
def knowledge_metrics(
    session: DbSession,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> KnowledgeMetricsOut:
    """Knowledge measures for `[from, to)` (default: the last 30 days). Definitions:
    docs/metrics.md#knowledge-base."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    check_period(start, end)
    kpis = knowledge_kpis(session, workspace_id=principal.workspace_id, start=start, end=end)
    return KnowledgeMetricsOut(
        start=start,
        end=end,
        suggestion_sessions=kpis.suggestion_sessions,
        deflected_sessions=kpis.deflected_sessions,
        deflection_rate=kpis.deflection_rate,
        customer_searches=kpis.customer_searches,
        successful_searches=kpis.successful_searches,
        search_success_rate=kpis.search_success_rate,
        gaps=[KnowledgeGapOut(**g.__dict__) for g in kpis.gaps],
        gap_topics=[
            GapTopicOut(
                topic=t.topic,
                kind=t.kind,
                searches=t.searches,
                without_results=t.without_results,
                examples=t.examples,
                weeks=[GapWeekOut(week=w, searches=n) for w, n in t.weeks],
            )
            for t in gap_topics(session, workspace_id=principal.workspace_id, start=start, end=end)
        ],
        articles=[ArticleUsefulnessOut(**a.__dict__) for a in kpis.articles],
    )
