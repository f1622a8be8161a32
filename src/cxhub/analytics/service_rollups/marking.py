"""Marks the days a change touches, in the changing transaction (ADR 0019).

Every flush that inserts, changes or deletes a ticket, an SLA target or a CSAT survey (through
any door: API, pages, e-mail, automations, jobs, merges) appends the UTC days whose rollups the
change invalidates to `service_kpi_dirty_days`, on the flush's own connection: the mark commits
or rolls back with the change. Deleting a team or a user marks every day of their tickets (the
database sets the tickets' `team_id` / `assignee_id` to NULL behind the ORM's back).

A change marks the old and the new day of what it moves: a ticket's creation day when volume or
first reply changes, its solve days when resolution, reopen or one-touch changes, and all its
days (SLA target starts and CSAT ratings included) when its group (channel, priority, team,
assignee) or whether it counts (merged, spam) changes.

Writes that bypass the ORM (bulk Core statements such as the demo writer) call
`forget_rollups` for their workspace instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.analytics.service_rollups.models import ServiceKpiDirtyDay, ServiceKpiRollupDay
from cxhub.people.models import Team, User
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket

#: Ticket fields read by the pass over tickets created in a period.
CREATED_FIELDS = ("created_at", "first_replied_at", "first_reply_business_seconds")
#: Ticket fields read by the pass over tickets solved in a period.
SOLVED_FIELDS = (
    "solved_at",
    "created_at",
    "resolution_business_seconds",
    "reopen_count",
    "agent_reply_count",
)
#: Ticket fields that move a ticket between groups, or in or out of every KPI.
GROUP_FIELDS = ("merged_into_id", "is_spam", "channel", "priority", "team_id", "assignee_id")
SLA_FIELDS = ("ticket_id", "started_at", "metric", "cancelled", "fulfilled_at", "breached_at")
CSAT_FIELDS = ("ticket_id", "rated_at", "score")

_PENDING = "service_kpi_dirty_pending"
_tickets = cast(Table, Ticket.__table__)
_targets = cast(Table, TicketSlaTarget.__table__)
_surveys = cast(Table, CsatSurvey.__table__)
_dirty = cast(Table, ServiceKpiDirtyDay.__table__)

Mark = tuple[int, date]


def utc_date(value: datetime | None) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.date()  # stored naive UTC
    return value.astimezone(UTC).date()


def _history(obj: Any, fields: Iterable[str]) -> dict[str, tuple[bool, list[Any]]]:
    """Per field: whether it changed, and its old value(s) if known ([] when never loaded)."""
    state = inspect(obj)
    result: dict[str, tuple[bool, list[Any]]] = {}
    for name in fields:
        history = state.attrs[name].history
        if history.has_changes():
            result[name] = (True, list(history.deleted))
        else:
            result[name] = (False, list(history.unchanged))
    return result


def _old_value(session: Session, obj: Any, name: str, known: list[Any]) -> Any:
    if known:
        return known[0]
    # Never loaded before the change: read the stored row (the flush has not written it yet).
    table = obj.__table__
    return (
        session.connection()
        .execute(select(table.c[name]).where(table.c.id == obj.id))
        .scalar_one_or_none()
    )


def _related_days(session: Session, workspace_id: int, ticket_ids: list[int]) -> set[date]:
    """Start days of the tickets' SLA targets and rating days of their CSAT surveys."""
    days: set[date] = set()
    if not ticket_ids:
        return days
    connection = session.connection()
    for chunk_start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[chunk_start : chunk_start + 500]
        for (started,) in connection.execute(
            select(_targets.c.started_at).where(
                _targets.c.workspace_id == workspace_id, _targets.c.ticket_id.in_(chunk)
            )
        ):
            days.add(utc_date(started) or date.min)
        for (rated,) in connection.execute(
            select(_surveys.c.rated_at).where(
                _surveys.c.workspace_id == workspace_id,
                _surveys.c.ticket_id.in_(chunk),
                _surveys.c.rated_at.is_not(None),
            )
        ):
            days.add(utc_date(rated) or date.min)
    days.discard(date.min)
    return days


def _changed_ticket(session: Session, ticket: Ticket, marks: set[Mark]) -> None:
    fields = dict.fromkeys(CREATED_FIELDS + SOLVED_FIELDS + GROUP_FIELDS)
    history = _history(ticket, fields)
    changed = {name for name, (did, _) in history.items() if did}
    if not changed:
        return
    workspace = ticket.workspace_id
    regroup = bool(changed & set(GROUP_FIELDS))
    if regroup or changed & set(CREATED_FIELDS):
        old = _old_value(session, ticket, "created_at", history["created_at"][1])
        for day in (utc_date(old), utc_date(ticket.created_at)):
            if day is not None:
                marks.add((workspace, day))
    if regroup or changed & set(SOLVED_FIELDS):
        old = _old_value(session, ticket, "solved_at", history["solved_at"][1])
        for day in (utc_date(old), utc_date(ticket.solved_at)):
            if day is not None:
                marks.add((workspace, day))
    if regroup:
        marks.update((workspace, day) for day in _related_days(session, workspace, [ticket.id]))


def _changed_row(
    session: Session, obj: Any, fields: tuple[str, ...], time_field: str, marks: set[Mark]
) -> None:
    history = _history(obj, fields)
    if not any(did for did, _ in history.values()):
        return
    old = _old_value(session, obj, time_field, history[time_field][1])
    for day in (utc_date(old), utc_date(getattr(obj, time_field))):
        if day is not None:
            marks.add((obj.workspace_id, day))


def _ticket_days(session: Session, condition: Any) -> set[Mark]:
    """Every day any matching ticket counts on (creation, solve, SLA starts, CSAT ratings)."""
    marks: set[Mark] = set()
    rows = (
        session.connection()
        .execute(
            select(
                _tickets.c.id, _tickets.c.workspace_id, _tickets.c.created_at, _tickets.c.solved_at
            ).where(condition)
        )
        .all()
    )
    by_workspace: dict[int, list[int]] = {}
    for ticket_id, workspace, created, solved in rows:
        by_workspace.setdefault(workspace, []).append(ticket_id)
        for day in (utc_date(created), utc_date(solved)):
            if day is not None:
                marks.add((workspace, day))
    for workspace, ids in by_workspace.items():
        marks.update((workspace, day) for day in _related_days(session, workspace, ids))
    return marks


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    marks: set[Mark] = session.info.setdefault(_PENDING, set())
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            _changed_ticket(session, obj, marks)
        elif isinstance(obj, TicketSlaTarget):
            _changed_row(session, obj, SLA_FIELDS, "started_at", marks)
        elif isinstance(obj, CsatSurvey):
            _changed_row(session, obj, CSAT_FIELDS, "rated_at", marks)
    for obj in session.deleted:
        if isinstance(obj, Ticket):
            marks.update(_ticket_days(session, _tickets.c.id == obj.id))
        elif isinstance(obj, TicketSlaTarget):
            day = utc_date(obj.started_at)
            if day is not None:
                marks.add((obj.workspace_id, day))
        elif isinstance(obj, CsatSurvey):
            day = utc_date(obj.rated_at)
            if day is not None:
                marks.add((obj.workspace_id, day))
        elif isinstance(obj, Team):
            marks.update(
                _ticket_days(
                    session,
                    and_(
                        _tickets.c.workspace_id == obj.workspace_id,
                        _tickets.c.team_id == obj.id,
                    ),
                )
            )
        elif isinstance(obj, User):
            marks.update(
                _ticket_days(
                    session,
                    and_(
                        _tickets.c.workspace_id == obj.workspace_id,
                        _tickets.c.assignee_id == obj.id,
                    ),
                )
            )


def _after_flush(session: Session, flush_context: Any) -> None:
    marks: set[Mark] = session.info.pop(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Ticket):
            for value in (obj.created_at, obj.solved_at):
                day = utc_date(value)
                if day is not None:
                    marks.add((obj.workspace_id, day))
        elif isinstance(obj, TicketSlaTarget | CsatSurvey):
            day = utc_date(obj.started_at if isinstance(obj, TicketSlaTarget) else obj.rated_at)
            if day is not None:
                marks.add((obj.workspace_id, day))
    if marks:
        mark_days(session, sorted(marks))


def mark_days(session: Session, marks: Iterable[Mark]) -> None:
    """Append dirty marks for (workspace, day) pairs, on the session's current connection."""
    rows = [{"workspace_id": workspace, "day": day} for workspace, day in marks]
    if rows:
        session.connection().execute(insert(_dirty), rows)


def forget_rollups(session: Session, *, workspace_id: int) -> None:
    """Drop every built day of the workspace (after writes that bypassed the ORM): the KPIs
    compute live until the rebuild job (or `cxhub admin rebuild-rollups`) has caught up."""
    session.execute(
        delete(ServiceKpiRollupDay).where(ServiceKpiRollupDay.workspace_id == workspace_id)
    )


def install_dirty_marking(factory: sessionmaker[Session]) -> None:
    """Mark dirty days on every flush of sessions made by this factory (idempotent)."""
    if not event.contains(factory, "before_flush", _before_flush):
        event.listen(factory, "before_flush", _before_flush)
        event.listen(factory, "after_flush", _after_flush)


__all__ = [
    "CREATED_FIELDS",
    "GROUP_FIELDS",
    "SOLVED_FIELDS",
    "forget_rollups",
    "install_dirty_marking",
    "mark_days",
    "utc_date",
]
