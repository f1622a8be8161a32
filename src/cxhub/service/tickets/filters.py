"""Which tickets a list shows: one filter shape for the ticket list, saved views and their counts.

Each condition is chosen to match a `Ticket.__table_args__` index (status, assignee + status,
team + status, requester, account, SLA due time, tags by tag), so a view's count is an index
range, and the full-text condition is one lookup in the search index (`search.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus, TicketTag
from cxhub.service.tickets.search import matching_ticket_ids

TICKET_SORTS = {
    "id": Ticket.id,
    "number": Ticket.number,
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "next_sla_due_at": Ticket.next_sla_due_at,
}
DEFAULT_TICKET_SORT = "-updated_at"

UNSOLVED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


@dataclass(frozen=True)
class TicketFilter:
    """Every field narrows the list; lists match any of their values; empty means no filter."""

    statuses: list[TicketStatus] = field(default_factory=list)
    priorities: list[TicketPriority] = field(default_factory=list)
    assignee_ids: list[int] = field(default_factory=list)
    unassigned: bool = False
    team_ids: list[int] = field(default_factory=list)
    requester_ids: list[int] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    channel: Channel | None = None
    sla_due_before: datetime | None = None
    sla_breached: bool | None = None
    # Half-open `[from, to)` ranges (the dashboard's drill-down into a day or a period).
    created_from: datetime | None = None
    created_to: datetime | None = None
    solved_from: datetime | None = None
    solved_to: datetime | None = None
    q: str | None = None
    include_spam: bool = False


def ticket_conditions(session: Session, filters: TicketFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` (merged tickets never show; spam only on request)."""
    conditions: list[ColumnElement[bool]] = [Ticket.merged_into_id.is_(None)]
    if not filters.include_spam:
        conditions.append(Ticket.is_spam.is_(False))
    if filters.statuses:
        conditions.append(Ticket.status.in_(filters.statuses))
    if filters.priorities:
        conditions.append(Ticket.priority.in_(filters.priorities))
    if filters.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    elif filters.assignee_ids:
        conditions.append(Ticket.assignee_id.in_(filters.assignee_ids))
    if filters.team_ids:
        conditions.append(Ticket.team_id.in_(filters.team_ids))
    if filters.requester_ids:
        conditions.append(Ticket.requester_id.in_(filters.requester_ids))
    if filters.account_ids:
        conditions.append(Ticket.account_id.in_(filters.account_ids))
    if filters.channel is not None:
        conditions.append(Ticket.channel == filters.channel)
    if filters.tags_any:
        conditions.append(
            Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag.in_(filters.tags_any)))
        )
    if filters.sla_due_before is not None:
        conditions.append(Ticket.next_sla_due_at < filters.sla_due_before)
    if filters.sla_breached is not None:
        conditions.append(Ticket.sla_breached.is_(filters.sla_breached))
    if filters.created_from is not None:
        conditions.append(Ticket.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Ticket.created_at < filters.created_to)
    if filters.solved_from is not None:
        conditions.append(Ticket.solved_at >= filters.solved_from)
    if filters.solved_to is not None:
        conditions.append(Ticket.solved_at < filters.solved_to)
    if filters.q is not None and filters.q.strip():
        conditions.append(Ticket.id.in_(matching_ticket_ids(session, filters.q)))
    return conditions


def filtered_tickets(
    session: Session, *, filters: TicketFilter, page: PageRequest, default_sort: str | None = None
) -> Page[Ticket]:
    """One page of the tickets `filters` selects, in the one list convention (ADR 0008).

    A search is sorted like any list (default `-updated_at`), not by relevance: keyset
    pagination needs a stored sort key, and a rank computed per query has none.
    """
    statement: Select[Any] = select(Ticket).where(*ticket_conditions(session, filters))
    return paginate(
        session,
        statement,
        request=page,
        sortable=TICKET_SORTS,
        id_column=Ticket.id,
        default_sort=default_sort or DEFAULT_TICKET_SORT,
    )


def count_tickets(session: Session, *, filters: TicketFilter, cap: int) -> tuple[int, bool]:
    """(count, capped): at most `cap` rows are counted (the database stops after `cap + 1`), so
    a view over a million tickets costs no more than one over ten thousand."""
    ids = select(Ticket.id).where(*ticket_conditions(session, filters)).limit(cap + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    return (cap, True) if counted > cap else (counted, False)
