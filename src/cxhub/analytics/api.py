"""Metric routes: `GET /api/v1/metrics/service` (service KPIs of a period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cxhub.analytics.service_kpis import GroupBy, KpiGroup, check_period, service_kpis
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])


class DurationSummary(BaseModel):
    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


class SlaCompliance(BaseModel):
    achieved: int
    breached: int
    compliance: float | None = Field(description="achieved ÷ (achieved + breached), percent.")


class ServiceKpis(BaseModel):
    key: str | None = Field(description="The group (channel, priority, team id, …); null = all.")
    created: int
    solved: int
    backlog_now: int
    first_reply_seconds: DurationSummary
    first_reply_business_seconds: DurationSummary
    resolution_seconds: DurationSummary
    resolution_business_seconds: DurationSummary
    reopened: int
    reopen_rate: float | None
    one_touch: int
    one_touch_rate: float | None
    csat_ratings: int
    csat_satisfied: int
    csat: float | None
    sla: dict[str, SlaCompliance]

    @classmethod
    def of(cls, group: KpiGroup) -> ServiceKpis:
        def summary(values: dict[str, Any]) -> DurationSummary:
            return DurationSummary(**values) if values else DurationSummary()

        return cls(
            key=group.key,
            created=group.created,
            solved=group.solved,
            backlog_now=group.backlog_now,
            first_reply_seconds=summary(group.first_reply),
            first_reply_business_seconds=summary(group.first_reply_business),
            resolution_seconds=summary(group.resolution),
            resolution_business_seconds=summary(group.resolution_business),
            reopened=group.reopened,
            reopen_rate=group.reopen_rate,
            one_touch=group.one_touch,
            one_touch_rate=group.one_touch_rate,
            csat_ratings=group.csat_ratings,
            csat_satisfied=group.csat_satisfied,
            csat=group.csat,
            sla={k: SlaCompliance(**v) for k, v in group.sla.items()},
        )


class ServiceMetricsOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    group_by: GroupBy
    groups: list[ServiceKpis]


@router.get("/metrics/service", response_model=ServiceMetricsOut, response_model_by_alias=True)
def service_metrics(
    session: DbSession,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    group_by: GroupBy = GroupBy.NONE,
    principal: Principal = require(Permission.TICKETS_READ),
) -> ServiceMetricsOut:
    """Service KPIs for `[from, to)` (default: the last 30 days), optionally grouped by
    channel, priority, team, assignee or day. Definitions: docs/metrics.md."""
    now = datetime.now(UTC)
    end = end or now
    start = start or end - timedelta(days=30)
    check_period(start, end)
    groups = service_kpis(
        session, workspace_id=principal.workspace_id, start=start, end=end, group_by=group_by
    )
    return ServiceMetricsOut(
        start=start, end=end, group_by=group_by, groups=[ServiceKpis.of(g) for g in groups]
    )
