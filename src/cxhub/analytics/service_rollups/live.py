"""The service KPI passes over the system of record, for one time interval.

One implementation serves the live part of `service_kpis` (edge days, today, days not rolled up)
and the rollup build, so a rolled-up day holds exactly the values a live pass would read.
Period membership: volume and first reply by creation time, resolution / reopen / one-touch by
solve time, SLA compliance by the target's start, CSAT by rating time; merged and spam tickets
never count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, select
from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.tally import KpiTally
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket


class GroupBy(StrEnum):
    NONE = "none"
    CHANNEL = "channel"
    PRIORITY = "priority"
    TEAM = "team"
    ASSIGNEE = "assignee"
    DAY = "day"


#: The ticket attribute of each grouping dimension (DAY groups by each metric's own time).
DIMENSION_COLUMNS: dict[GroupBy, Any] = {
    GroupBy.CHANNEL: Ticket.channel,
    GroupBy.PRIORITY: Ticket.priority,
    GroupBy.TEAM: Ticket.team_id,
    GroupBy.ASSIGNEE: Ticket.assignee_id,
}

#: Given the key columns of a row, the tallies the row adds to.
Sink = Callable[[Sequence[Any]], list[KpiTally]]
#: Given the time column of a pass, the key columns to select and group by.
KeyColumns = Callable[[Any], list[ColumnElement[Any]]]


def group_key(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, StrEnum) else str(value)


def utc_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column ('YYYY-MM-DD' on SQLite, a date elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)  # stored as naive UTC text
    return cast(func.timezone("UTC", column), Date)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


@dataclass
class _Durations:
    """One key's rows of a ticket pass."""

    rows: int = 0
    reopened: int = 0
    one_touch: int = 0
    calendar: list[float] = field(default_factory=list)
    business: list[float] = field(default_factory=list)


def live_tickets(workspace_id: int) -> ColumnElement[bool]:
    return and_(
        Ticket.workspace_id == workspace_id,
        Ticket.merged_into_id.is_(None),
        Ticket.is_spam.is_(False),
    )


def collect(
    session: Session,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    keys: KeyColumns,
    sink: Sink,
) -> None:
    """Add every KPI row of [start, end) to the tallies `sink` names for its key columns."""
    live = live_tickets(workspace_id)

    # Tickets created in the interval: volume and the first-reply durations. Rows are
    # gathered per key first, so the tallies get whole lists (one sink call per key).
    columns = keys(Ticket.created_at)
    width = len(columns)
    rows = session.execute(
        select(
            *columns,
            _seconds_between(session, Ticket.first_replied_at, Ticket.created_at),
            Ticket.first_reply_business_seconds,
        ).where(live, Ticket.created_at >= start, Ticket.created_at < end)
    )
    created: dict[tuple[Any, ...], _Durations] = {}
    for row in rows:
        key = tuple(row[:width])
        bucket = created.get(key)
        if bucket is None:
            bucket = created[key] = _Durations()
        bucket.rows += 1
        seconds, business = row[width], row[width + 1]
        if seconds is not None:
            bucket.calendar.append(float(seconds))
        if business is not None:
            bucket.business.append(float(business))
    for key, bucket in created.items():
        for tally in sink(key):
            tally.created += bucket.rows
            tally.add_values("first_reply", bucket.calendar)
            tally.add_values("first_reply_business", bucket.business)

    # Tickets solved in the interval: solved, reopened, one-touch, resolution.
    columns = keys(Ticket.solved_at)
    rows = session.execute(
        select(
            *columns,
            _seconds_between(session, Ticket.solved_at, Ticket.created_at),
            Ticket.resolution_business_seconds,
            case((Ticket.reopen_count > 0, 1), else_=0),
            case((Ticket.agent_reply_count == 1, 1), else_=0),
        ).where(live, Ticket.solved_at >= start, Ticket.solved_at < end)
    )
    solved: dict[tuple[Any, ...], _Durations] = {}
    for row in rows:
        key = tuple(row[:width])
        bucket = solved.get(key)
        if bucket is None:
            bucket = solved[key] = _Durations()
        bucket.rows += 1
        seconds, business, reopened, one_touch = row[width : width + 4]
        bucket.reopened += int(reopened)
        bucket.one_touch += int(one_touch)
        if seconds is not None:
            bucket.calendar.append(float(seconds))
        if business is not None:
            bucket.business.append(float(business))
    for key, bucket in solved.items():
        for tally in sink(key):
            tally.solved += bucket.rows
            tally.reopened += bucket.reopened
            tally.one_touch += bucket.one_touch
            tally.add_values("resolution", bucket.calendar)
            tally.add_values("resolution_business", bucket.business)

    # SLA targets started in the interval, per metric; cancelled ones never count.
    columns = keys(TicketSlaTarget.started_at)
    achieved = case(
        (and_(TicketSlaTarget.fulfilled_at.is_not(None), TicketSlaTarget.breached_at.is_(None)), 1),
        else_=0,
    )
    statement = (
        select(
            *columns,
            TicketSlaTarget.metric,
            func.sum(achieved),
            func.sum(case((TicketSlaTarget.breached_at.is_not(None), 1), else_=0)),
        )
        .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
        .where(
            TicketSlaTarget.workspace_id == workspace_id,
            TicketSlaTarget.cancelled.is_(False),
            TicketSlaTarget.started_at >= start,
            TicketSlaTarget.started_at < end,
            live,
        )
        .group_by(*columns, TicketSlaTarget.metric)
    )
    for row in session.execute(statement):
        metric, met, breached = row[width : width + 3]
        for tally in sink(row[:width]):
            tally.add_sla(metric, int(met or 0), int(breached or 0))

    # CSAT by rating time.
    columns = keys(CsatSurvey.rated_at)
    statement = (
        select(
            *columns,
            func.count(),
            func.sum(case((CsatSurvey.score >= 4, 1), else_=0)),
        )
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(
            live,
            CsatSurvey.workspace_id == workspace_id,
            CsatSurvey.rated_at >= start,
            CsatSurvey.rated_at < end,
            CsatSurvey.score.is_not(None),
        )
    )
    if columns:
        statement = statement.group_by(*columns)
    for row in session.execute(statement):
        rated, satisfied = row[width], row[width + 1]
        if not rated:
            continue  # the one row of an ungrouped aggregate over nothing
        for tally in sink(row[:width]):
            tally.csat_ratings += int(rated)
            tally.csat_satisfied += int(satisfied or 0)


def group_columns(session: Session, group_by: GroupBy) -> KeyColumns:
    """Key columns of one grouping: none, a ticket attribute, or each metric's UTC day."""
    if group_by == GroupBy.NONE:
        return lambda time_column: []
    if group_by == GroupBy.DAY:
        return lambda time_column: [utc_day(session, time_column)]
    column = DIMENSION_COLUMNS[group_by]
    return lambda time_column: [column]


__all__ = [
    "DIMENSION_COLUMNS",
    "GroupBy",
    "KeyColumns",
    "Sink",
    "as_date",
    "collect",
    "group_columns",
    "group_key",
    "live_tickets",
    "utc_day",
]
