"""Splitting a period into rolled-up days and live intervals, and reading the rollups.

A whole UTC day inside the period is read from its rollup when it was built and no change
marked it dirty since; everything else (the partial days at the edges, today, dirty days, days
never built) is computed live over the raw tables (ADR 0019).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.build import midnight
from cxhub.analytics.service_rollups.live import GroupBy
from cxhub.analytics.service_rollups.models import (
    ServiceKpiDirtyDay,
    ServiceKpiRollup,
    ServiceKpiRollupDay,
)
from cxhub.analytics.service_rollups.tally import DURATION_METRICS, KpiTally, unpack_durations


@dataclass(frozen=True)
class PeriodPlan:
    #: Whole days answered from their rollups, ascending.
    rolled_up: list[date]
    #: [start, end) intervals computed live, ascending and disjoint.
    live: list[tuple[datetime, datetime]]


def plan_period(
    session: Session, *, workspace_id: int, start: datetime, end: datetime
) -> PeriodPlan:
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start == midnight(start.date()) else start.date() + timedelta(days=1)
    last = end.date()  # exclusive: every day before it ends by `end`
    clean: list[date] = []
    if first < last:
        built = set(
            session.scalars(
                select(ServiceKpiRollupDay.day).where(
                    ServiceKpiRollupDay.workspace_id == workspace_id,
                    ServiceKpiRollupDay.day >= first,
                    ServiceKpiRollupDay.day < last,
                )
            )
        )
        if built:
            dirty = set(
                session.scalars(
                    select(ServiceKpiDirtyDay.day)
                    .where(
                        ServiceKpiDirtyDay.workspace_id == workspace_id,
                        ServiceKpiDirtyDay.day >= first,
                        ServiceKpiDirtyDay.day < last,
                    )
                    .distinct()
                )
            )
            clean = sorted(built - dirty)
    live: list[tuple[datetime, datetime]] = []
    cursor = start
    for day in clean:
        if midnight(day) > cursor:
            live.append((cursor, midnight(day)))
        cursor = midnight(day + timedelta(days=1))
    if cursor < end:
        live.append((cursor, end))
    return PeriodPlan(clean, live)


def read_rollups(
    session: Session,
    *,
    workspace_id: int,
    days: list[date],
    group_by: GroupBy,
    tally_of: Callable[[str | None], KpiTally],
) -> None:
    """Add the rollups of these days, grouped as asked, to the tallies `tally_of` names."""
    if not days:
        return
    wanted = set(days)
    dimension = GroupBy.NONE if group_by == GroupBy.DAY else group_by
    rows = session.execute(
        select(
            ServiceKpiRollup.day,
            ServiceKpiRollup.group_key,
            ServiceKpiRollup.created,
            ServiceKpiRollup.solved,
            ServiceKpiRollup.reopened,
            ServiceKpiRollup.one_touch,
            ServiceKpiRollup.csat_ratings,
            ServiceKpiRollup.csat_satisfied,
            ServiceKpiRollup.sla,
            *(getattr(ServiceKpiRollup, metric) for metric in DURATION_METRICS),
        ).where(
            ServiceKpiRollup.workspace_id == workspace_id,
            ServiceKpiRollup.dimension == dimension.value,
            ServiceKpiRollup.day >= days[0],
            ServiceKpiRollup.day <= days[-1],
        )
    )
    for row in rows:
        day = row[0]
        if day not in wanted:
            continue
        if group_by == GroupBy.NONE:
            key = None
        elif group_by == GroupBy.DAY:
            key = day.isoformat()
        else:
            key = row[1] or None
        tally = tally_of(key)
        tally.created += row[2]
        tally.solved += row[3]
        tally.reopened += row[4]
        tally.one_touch += row[5]
        tally.csat_ratings += row[6]
        tally.csat_satisfied += row[7]
        for metric, (achieved, breached) in (row[8] or {}).items():
            tally.add_sla(metric, int(achieved), int(breached))
        for metric, blob in zip(DURATION_METRICS, row[9:], strict=True):
            tally.add_durations(metric, unpack_durations(blob))


__all__ = ["PeriodPlan", "plan_period", "read_rollups"]
