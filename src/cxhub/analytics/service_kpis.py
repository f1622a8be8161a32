"""Service KPIs over a period: one implementation for `GET /api/v1/metrics/service` and the
service dashboard (definitions and worked examples in docs/metrics.md).

Counts and sums run in the database (indexed ranges on `tickets`, `ticket_sla_targets`,
`csat_surveys`); medians and percentiles need the sorted durations, so only that one column is
fetched. Period membership: volume and first reply by creation time, resolution / reopen /
one-touch by solve time, SLA compliance by the target's start, CSAT by rating time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, null, select
from sqlalchemy.orm import Session

from cxhub.analytics.formulas import duration_summary, percent
from cxhub.core.errors import ValidationFailed
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.filters import status_in
from cxhub.service.tickets.models import Ticket, TicketStatus
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


class GroupBy(StrEnum):
    NONE = "none"
    CHANNEL = "channel"
    PRIORITY = "priority"
    TEAM = "team"
    ASSIGNEE = "assignee"
    DAY = "day"


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


def _key(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, StrEnum) else str(value)


def _k(column: ColumnElement[Any] | None) -> ColumnElement[Any]:
    """The group key column, or a constant NULL key when not grouping."""
    return column if column is not None else null()


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def _grouping(session: Session, group_by: GroupBy, date_column: Any) -> ColumnElement[Any] | None:
    columns: dict[GroupBy, Callable[[], Any]] = {
        GroupBy.CHANNEL: lambda: Ticket.channel,
        GroupBy.PRIORITY: lambda: Ticket.priority,
        GroupBy.TEAM: lambda: Ticket.team_id,
        GroupBy.ASSIGNEE: lambda: Ticket.assignee_id,
        GroupBy.DAY: lambda: _day(session, date_column),
    }
    factory = columns.get(group_by)
    return None if factory is None else factory()


def service_kpis(
    session: Session,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    group_by: GroupBy = GroupBy.NONE,
) -> list[KpiGroup]:
    """KPIs of one workspace. The workspace is named explicitly: these are aggregate Core
    statements, which the ORM's automatic workspace filter does not see reliably."""
    groups: dict[str | None, KpiGroup] = {}

    def group(key: Any) -> KpiGroup:
        name = _key(key)
        if name not in groups:
            groups[name] = KpiGroup(key=name)
        return groups[name]

    live = and_(
        Ticket.workspace_id == workspace_id,
        Ticket.merged_into_id.is_(None),
        Ticket.is_spam.is_(False),
    )
    created_in = and_(live, Ticket.created_at >= start, Ticket.created_at < end)
    solved_in = and_(live, Ticket.solved_at >= start, Ticket.solved_at < end)

    def seconds_between(later: Any, earlier: Any) -> ColumnElement[Any]:
        if session.get_bind().dialect.name == "sqlite":
            return (func.julianday(later) - func.julianday(earlier)) * 86400.0
        return func.extract("epoch", later - earlier)

    # One pass over the tickets created in the period: volume, and the first-reply durations
    # (medians and percentiles need every value, so the two duration columns are fetched).
    g = _grouping(session, group_by, Ticket.created_at)
    first_reply: dict[str | None, list[float]] = defaultdict(list)
    first_reply_business: dict[str | None, list[float]] = defaultdict(list)
    rows = session.execute(
        select(
            _k(g),
            seconds_between(Ticket.first_replied_at, Ticket.created_at),
            Ticket.first_reply_business_seconds,
        ).where(created_in)
    )
    for key, seconds, business in rows:
        entry = group(key)
        entry.created += 1
        if seconds is not None:
            first_reply[entry.key].append(float(seconds))
        if business is not None:
            first_reply_business[entry.key].append(float(business))
    for name, values in first_reply.items():
        groups[name].first_reply = duration_summary(values)
    for name, values in first_reply_business.items():
        groups[name].first_reply_business = duration_summary(values)

    # One pass over the tickets solved in the period: solved, reopened, one-touch, resolution.
    g = _grouping(session, group_by, Ticket.solved_at)
    resolution: dict[str | None, list[float]] = defaultdict(list)
    resolution_business: dict[str | None, list[float]] = defaultdict(list)
    rows = session.execute(
        select(
            _k(g),
            seconds_between(Ticket.solved_at, Ticket.created_at),
            Ticket.resolution_business_seconds,
            case((Ticket.reopen_count > 0, 1), else_=0),
            case((Ticket.agent_reply_count == 1, 1), else_=0),
        ).where(solved_in)
    )
    for key, seconds, business, reopened, one_touch in rows:
        entry = group(key)
        entry.solved += 1
        entry.reopened += int(reopened)
        entry.one_touch += int(one_touch)
        if seconds is not None:
            resolution[entry.key].append(float(seconds))
        if business is not None:
            resolution_business[entry.key].append(float(business))
    for name, values in resolution.items():
        groups[name].resolution = duration_summary(values)
    for name, values in resolution_business.items():
        groups[name].resolution_business = duration_summary(values)
    for entry in groups.values():
        if entry.solved:
            entry.reopen_rate = percent(entry.reopened, entry.solved)
            entry.one_touch_rate = percent(entry.one_touch, entry.solved)

    # Backlog now (unsolved, live); a day grouping has no "now" per day.
    if group_by != GroupBy.DAY:
        g = _grouping(session, group_by, Ticket.created_at)
        unsolved = status_in(session, UNSOLVED)
        statement = select(_k(g), func.count()).where(live, unsolved)
        for key, count in session.execute(statement.group_by(g) if g is not None else statement):
            group(key).backlog_now = count

    # SLA compliance per metric by the target's start.
    g = _grouping(session, group_by, TicketSlaTarget.started_at)
    achieved = case(
        (and_(TicketSlaTarget.fulfilled_at.is_not(None), TicketSlaTarget.breached_at.is_(None)), 1),
        else_=0,
    )
    statement = (
        select(
            _k(g),
            TicketSlaTarget.metric,
            func.sum(achieved),
            func.sum(case((TicketSlaTarget.breached_at.is_not(None), 1), else_=0)),
        )
        .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
        .where(
            TicketSlaTarget.cancelled.is_(False),
            TicketSlaTarget.started_at >= start,
            TicketSlaTarget.started_at < end,
            live,
        )
    )
    grouped = statement.group_by(*([g] if g is not None else []), TicketSlaTarget.metric)
    for key, metric, met, breached in session.execute(grouped):
        met, breached = int(met or 0), int(breached or 0)
        group(key).sla[metric] = {
            "achieved": met,
            "breached": breached,
            "compliance": percent(met, met + breached),
        }

    # CSAT by rating time.
    g = _grouping(session, group_by, CsatSurvey.rated_at)
    statement = (
        select(
            _k(g),
            func.count(),
            func.sum(case((CsatSurvey.score >= 4, 1), else_=0)),
        )
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(
            live,
            CsatSurvey.rated_at >= start,
            CsatSurvey.rated_at < end,
            CsatSurvey.score.is_not(None),
        )
    )
    for key, rated, satisfied in session.execute(
        statement.group_by(g) if g is not None else statement
    ):
        entry = group(key)
        entry.csat_ratings = rated
        entry.csat_satisfied = int(satisfied or 0)
        entry.csat = percent(entry.csat_satisfied, rated)

    if group_by == GroupBy.NONE and None not in groups:
        groups[None] = KpiGroup(key=None)
    return sorted(groups.values(), key=lambda k: (k.key is None, k.key or ""))


__all__ = ["MAX_PERIOD", "GroupBy", "KpiGroup", "TicketStatus", "check_period", "service_kpis"]
