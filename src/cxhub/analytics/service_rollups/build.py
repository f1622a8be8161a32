"""Building the daily rollups from the system of record (ADR 0019).

`build_days` recomputes whole UTC days with the very passes the live KPIs run
(`live.collect`), once for all grouping dimensions. `refresh_rollups` picks the days to build:
every day marked dirty and every finished day since the workspace's first ticket that was never
built, newest first, at most `max_days` per call (the periodic job keeps its transactions short;
the CLI loops until nothing is left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.live import (
    DIMENSION_COLUMNS,
    GroupBy,
    as_date,
    collect,
    group_key,
    utc_day,
)
from cxhub.analytics.service_rollups.marking import utc_date
from cxhub.analytics.service_rollups.models import (
    ServiceKpiDirtyDay,
    ServiceKpiRollup,
    ServiceKpiRollupDay,
)
from cxhub.analytics.service_rollups.tally import DURATION_METRICS, KpiTally, pack_durations
from cxhub.core.db import utcnow
from cxhub.service.tickets.models import Ticket

#: The dimensions a rollup row is kept for; GroupBy.DAY reads the `none` rows of each day.
ROLLED_UP = (GroupBy.NONE, GroupBy.CHANNEL, GroupBy.PRIORITY, GroupBy.TEAM, GroupBy.ASSIGNEE)

#: Days built per run of the periodic job (a few seconds of work in the server process; the CLI
#: builds 31 per transaction).
JOB_MAX_DAYS = 7


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as [first, last] runs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _compute_run(
    session: Session, workspace_id: int, first: date, last: date
) -> list[dict[str, Any]]:
    """The rollup rows of the days first..last, read with the live passes (no writes)."""
    tallies: dict[tuple[str, date, str], KpiTally] = {}
    dimensions = [group for group in ROLLED_UP if group != GroupBy.NONE]

    def keys(time_column: Any) -> list[Any]:
        return [utc_day(session, time_column), *(DIMENSION_COLUMNS[d] for d in dimensions)]

    def sink(row: Sequence[Any]) -> list[KpiTally]:
        day = as_date(row[0])
        found = []
        for dimension, value in zip(ROLLED_UP, (None, *row[1:]), strict=True):
            key = (dimension.value, day, group_key(value) or "")
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = KpiTally()
            found.append(tally)
        return found

    collect(
        session,
        workspace_id=workspace_id,
        start=midnight(first),
        end=midnight(last + timedelta(days=1)),
        keys=keys,
        sink=sink,
    )
    return [
        {
            "workspace_id": workspace_id,
            "dimension": dimension,
            "day": day,
            "group_key": key,
            "created": tally.created,
            "solved": tally.solved,
            "reopened": tally.reopened,
            "one_touch": tally.one_touch,
            "csat_ratings": tally.csat_ratings,
            "csat_satisfied": tally.csat_satisfied,
            "sla": {metric: list(counts) for metric, counts in sorted(tally.sla.items())},
            **{metric: pack_durations(tally.durations(metric)) for metric in DURATION_METRICS},
        }
        for (dimension, day, key), tally in sorted(tallies.items())
        if tally.has_rows()
    ]


@dataclass(frozen=True)
class ComputedDays:
    """Rollup rows of some days, as read at `read_at`, and the dirty marks read before them."""

    days: list[date]
    rows: list[dict[str, Any]]
    mark_ids: list[int]
    read_at: datetime


def compute_days(session: Session, *, workspace_id: int, days: Sequence[date]) -> ComputedDays:
    """Read the dirty marks of these days, then their data. Only reads: on SQLite a read
    session never takes the write lock, so ticket writes go on meanwhile."""
    read_at = utcnow()
    chosen = sorted(set(days))
    marks: list[int] = []
    for start in range(0, len(chosen), 500):
        marks.extend(
            session.scalars(
                select(ServiceKpiDirtyDay.id).where(
                    ServiceKpiDirtyDay.workspace_id == workspace_id,
                    ServiceKpiDirtyDay.day.in_(chosen[start : start + 500]),
                )
            )
        )
    rows = [
        row
        for first, last in _runs(chosen)
        for row in _compute_run(session, workspace_id, first, last)
    ]
    return ComputedDays(chosen, rows, marks, read_at)


def write_days(session: Session, *, workspace_id: int, computed: ComputedDays) -> int:
    """Replace the days' rollups with the computed rows and drop the marks read for them.

    A day built by another rebuild that read later than this one is left alone. Marks written
    after the read are not among `mark_ids`: their days stay dirty (live) until the next
    rebuild. Returns how many days were written."""
    newer = set(
        session.scalars(
            select(ServiceKpiRollupDay.day).where(
                ServiceKpiRollupDay.workspace_id == workspace_id,
                ServiceKpiRollupDay.day.in_(computed.days),
                ServiceKpiRollupDay.built_at > computed.read_at,
            )
        )
    )
    days = [day for day in computed.days if day not in newer]
    for start in range(0, len(days), 500):
        chunk = days[start : start + 500]
        session.execute(
            delete(ServiceKpiRollup).where(
                ServiceKpiRollup.workspace_id == workspace_id, ServiceKpiRollup.day.in_(chunk)
            )
        )
        session.execute(
            delete(ServiceKpiRollupDay).where(
                ServiceKpiRollupDay.workspace_id == workspace_id,
                ServiceKpiRollupDay.day.in_(chunk),
            )
        )
    wanted = set(days)
    rows = [row for row in computed.rows if row["day"] in wanted]
    for start in range(0, len(rows), 200):
        session.execute(insert(ServiceKpiRollup), rows[start : start + 200])
    if days:
        session.execute(
            insert(ServiceKpiRollupDay),
            [
                {"workspace_id": workspace_id, "day": day, "built_at": computed.read_at}
                for day in days
            ],
        )
    for start in range(0, len(computed.mark_ids), 500):
        session.execute(
            delete(ServiceKpiDirtyDay).where(
                ServiceKpiDirtyDay.id.in_(computed.mark_ids[start : start + 500])
            )
        )
    return len(days)


def build_days(
    session: Session,
    *,
    workspace_id: int,
    days: Sequence[date],
    read_session: Session | None = None,
) -> int:
    """(Re)build the rollups of these whole UTC days; returns how many were written. With a
    `read_session`, the reading happens there and `session` only writes (short lock)."""
    computed = compute_days(read_session or session, workspace_id=workspace_id, days=days)
    return write_days(session, workspace_id=workspace_id, computed=computed)


@dataclass(frozen=True)
class RefreshResult:
    built: int
    #: Days still to build after this call (dirty or never built).
    remaining: int


def days_to_build(session: Session, *, workspace_id: int, now: datetime) -> list[date]:
    """Dirty finished days and finished days never built, newest first."""
    today = now.astimezone(UTC).date()
    dirty = set(
        session.scalars(
            select(ServiceKpiDirtyDay.day)
            .where(ServiceKpiDirtyDay.workspace_id == workspace_id, ServiceKpiDirtyDay.day < today)
            .distinct()
        )
    )
    built = set(
        session.scalars(
            select(ServiceKpiRollupDay.day).where(ServiceKpiRollupDay.workspace_id == workspace_id)
        )
    )
    first_ticket = session.scalar(
        select(func.min(Ticket.created_at)).where(Ticket.workspace_id == workspace_id)
    )
    first = utc_date(first_ticket)
    missing: set[date] = set()
    if first is not None:
        missing = {
            first + timedelta(days=n)
            for n in range((today - first).days)
            if first + timedelta(days=n) not in built
        }
    return sorted(dirty | missing, reverse=True)


def refresh_rollups(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    max_days: int | None = JOB_MAX_DAYS,
    read_session: Session | None = None,
) -> RefreshResult:
    """Build up to `max_days` of the days that need it (newest first) and clear the dirty marks
    read for them. Everything is read through `read_session` when given (a read-only session
    of the same workspace), so `session` holds the write lock only for the writes."""
    reader = read_session or session
    todo = days_to_build(reader, workspace_id=workspace_id, now=now)
    chosen = todo if max_days is None else todo[:max_days]
    if not chosen:
        return RefreshResult(0, 0)
    built = build_days(session, workspace_id=workspace_id, days=chosen, read_session=reader)
    return RefreshResult(built, len(todo) - len(chosen))


__all__ = [
    "JOB_MAX_DAYS",
    "ROLLED_UP",
    "ComputedDays",
    "RefreshResult",
    "build_days",
    "compute_days",
    "days_to_build",
    "midnight",
    "refresh_rollups",
    "write_days",
]
