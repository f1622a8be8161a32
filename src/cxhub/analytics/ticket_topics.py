"""Recurring ticket topics per account: how many tickets of an account share a tag or a type in
a window (the `repeated_tickets` playbook trigger; docs/playbooks.md). Aggregates over the
ticket tables that name their workspace explicitly, like `service_kpis` (ADR 0013).

Tickets opened by playbooks (external id `playbook-run-…`) are not counted, so a playbook that
opens a ticket can never feed its own trigger; spam and merged-away tickets are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cxhub.service.tickets.models import Ticket, TicketTag

PLAYBOOK_TICKET_PREFIX = "playbook-run-"


@dataclass(frozen=True)
class TopicCount:
    topic: str  # the tag, or the ticket type
    tickets: int
    ticket_ids: list[int]


def _counted(
    workspace_id: int, account_id: int, since: datetime, until: datetime
) -> list[ColumnElement[bool]]:
    return [
        Ticket.workspace_id == workspace_id,
        Ticket.account_id == account_id,
        Ticket.created_at >= since,
        Ticket.created_at < until,
        Ticket.merged_into_id.is_(None),
        Ticket.is_spam.is_(False),
        or_(
            Ticket.external_id.is_(None),
            Ticket.external_id.not_like(PLAYBOOK_TICKET_PREFIX + "%"),
        ),
    ]


def top_topic(
    session: Session,
    *,
    workspace_id: int,
    account_id: int,
    since: datetime,
    until: datetime,
    tag: str | None = None,
    ticket_type: str | None = None,
) -> TopicCount | None:
    """The account's most frequent topic in [since, until): by `ticket_type` when given, else
    by tag (only `tag` when given); None when it has no such ticket."""
    filters = _counted(workspace_id, account_id, since, until)
    if ticket_type is not None:
        ids = list(
            session.scalars(select(Ticket.id).where(*filters, Ticket.ticket_type == ticket_type))
        )
        return TopicCount(ticket_type, len(ids), sorted(ids)) if ids else None
    statement = (
        select(TicketTag.tag, func.count(), func.max(TicketTag.ticket_id))
        .join(Ticket, Ticket.id == TicketTag.ticket_id)
        .where(*filters, TicketTag.workspace_id == workspace_id)
        .group_by(TicketTag.tag)
        .order_by(func.count().desc(), TicketTag.tag)
        .limit(1)
    )
    if tag is not None:
        statement = statement.where(TicketTag.tag == tag)
    row = session.execute(statement).first()
    if row is None:
        return None
    topic = str(row[0])
    ids = list(
        session.scalars(
            select(Ticket.id)
            .join(TicketTag, TicketTag.ticket_id == Ticket.id)
            .where(*filters, TicketTag.tag == topic)
            .order_by(Ticket.id)
        )
    )
    return TopicCount(topic, int(row[1]), ids)
