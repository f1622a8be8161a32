"""Service KPIs over a period: one implementation for `GET /api/v1/metrics/service` and the
service dashboard (definitions and worked examples in docs/metrics.md).

Whole UTC days are read from the daily rollups (`service_rollups`, ADR 0019): their counts and
their durations kept sorted, merged here for the exact median and 90th percentile. The partial
days at the edges, today, and days changed since their rollup was built are computed live with
the same passes over the raw tables, so the answer is the one a live pass over the whole period
gives. Period membership: volume and first reply by creation time, resolution / reopen /
one-touch by solve time, SLA compliance by the target's start, CSAT by rating time. The backlog
is a count of now, always live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from cxhub.analytics.formulas import percent
from cxhub.analytics.service_rollups.live import (
    DIMENSION_COLUMNS,
    GroupBy,
    collect,
    group_columns,
    group_key,
    live_tickets,
)
from cxhub.analytics.service_rollups.read import plan_period, read_rollups
from cxhub.analytics.service_rollups.tally import DURATION_METRICS, KpiTally
from cxhub.core.errors import ValidationFailed
from cxhub.service.tickets.filters import status_in
from cxhub.service.tickets.models import TicketStatus
from cxhub.service.tickets.status import UNSOLVED

#: The longest period one request may ask for (the API and the dashboard alike).
MAX_PERIOD = timedelta(days=3 * 366)


def check_period(start: datetime, end: datetime) -> None:
    """Refuse a period the KPIs are not computed for: naive times, empty or over 3 years."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("from and to need a time zone (e.g. 2026-11-01T00:00:00Z)")
    if start >= end:
        raise ValidationFailed("from must be before to", field="from")
    if end - start > MAX_PERIOD:
        raise ValidationFailed("the period may span at most 3 years", field="from")


@dataclass
class KpiGroup:
    key: str | None
    created: int = 0
    solved: int = 0
    backlog_now: int = 0
    first_reply: dict[str, Any] = field(default_factory=dict)
    first_reply_business: dict[str, Any] = field(default_factory=dict)
    resolution: dict[str, Any] = field(default_factory=dict)
    resolution_business: dict[str, Any] = field(default_factory=dict)
    reopened: int = 0
    reopen_rate: float | None = None
    one_touch: int = 0
    one_touch_rate: float | None = None
    csat_ratings: int = 0
    csat_satisfied: int = 0
    csat: float | None = None
    sla: dict[str, dict[str, Any]] = field(default_factory=dict)


def service_kpis(
    session: Session,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    group_by: GroupBy = GroupBy.NONE,
    rollups: bool = True,
) -> list[KpiGroup]:
    """KPIs of one workspace. The workspace is named explicitly: these are aggregate Core
    statements, which the ORM's automatic workspace filter does not see reliably.

    `rollups=False` computes the whole period live (the reference the rollups are tested
    against, and what a database without built rollups gets anyway)."""
    tallies: dict[str | None, KpiTally] = {}

    def tally_of(key: str | None) -> KpiTally:
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = KpiTally()
        return tally

    if rollups:
        plan = plan_period(session, workspace_id=workspace_id, start=start, end=end)
        read_rollups(
            session,
            workspace_id=workspace_id,
            days=plan.rolled_up,
            group_by=group_by,
            tally_of=tally_of,
        )
        live = plan.live
    else:
        live = [(start, end)]

    def sink(row: Sequence[Any]) -> list[KpiTally]:
        return [tally_of(group_key(row[0]) if row else None)]

    for piece_start, piece_end in live:
        collect(
            session,
            workspace_id=workspace_id,
            start=piece_start,
            end=piece_end,
            keys=group_columns(session, group_by),
            sink=sink,
        )

    groups = {key: summarise(key, tally) for key, tally in tallies.items()}
    return finish_groups(session, groups, workspace_id=workspace_id, group_by=group_by)


def finish_groups(
    session: Session,
    groups: dict[str | None, KpiGroup],
    *,
    workspace_id: int,
    group_by: GroupBy,
) -> list[KpiGroup]:
    """Add the backlog of now (unsolved, live; a day grouping has no "now" per day) and the
    always-present total group, in the order the API lists groups. Shared with the engine pass
    (`service_metrics`), so both return the same list for the same period."""
    if group_by != GroupBy.DAY:
        column = DIMENSION_COLUMNS.get(group_by)
        key_column = column if column is not None else null()
        statement = select(key_column, func.count()).where(
            live_tickets(workspace_id), status_in(session, UNSOLVED)
        )
        if column is not None:
            statement = statement.group_by(column)
        for key, count in session.execute(statement):
            name = group_key(key)
            if name not in groups:
                groups[name] = KpiGroup(key=name)
            groups[name].backlog_now = count

    if group_by == GroupBy.NONE and None not in groups:
        groups[None] = KpiGroup(key=None)
    return sorted(groups.values(), key=lambda k: (k.key is None, k.key or ""))


def summarise(key: str | None, tally: KpiTally) -> KpiGroup:
    group = KpiGroup(
        key=key,
        created=tally.created,
        solved=tally.solved,
        reopened=tally.reopened,
        one_touch=tally.one_touch,
        csat_ratings=tally.csat_ratings,
        csat_satisfied=tally.csat_satisfied,
    )
    for metric in DURATION_METRICS:
        setattr(group, metric, tally.summary(metric))
    if tally.solved:
        group.reopen_rate = percent(tally.reopened, tally.solved)
        group.one_touch_rate = percent(tally.one_touch, tally.solved)
    if tally.csat_ratings:
        group.csat = percent(tally.csat_satisfied, tally.csat_ratings)
    group.sla = {
        metric: {
            "achieved": achieved,
            "breached": breached,
            "compliance": percent(achieved, achieved + breached),
        }
        for metric, (achieved, breached) in tally.sla.items()
    }
    return group


__all__ = [
    "MAX_PERIOD",
    "GroupBy",
    "KpiGroup",
    "TicketStatus",
    "check_period",
    "finish_groups",
    "service_kpis",
    "summarise",
]
