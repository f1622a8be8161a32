"""Merging duplicate tickets and marking spam.

Merging moves the source's thread (messages keep their original times) onto the target, adds a
note on both sides, and closes the source with `merged_into_id` set, so links to it still lead
somewhere. Timeline entries of the source are re-pointed to the target.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.events import TicketMarkedSpam, TicketsMerged
from cxhub.service.tickets.hooks import TicketChange, after_ticket_change
from cxhub.service.tickets.messages import _store_message
from cxhub.service.tickets.models import Ticket, TicketMessage, TicketStatus
from cxhub.service.tickets.search import drop_from_index, reindex_ticket
from cxhub.service.tickets.service import _set_tags, get_ticket


def merge_tickets(
    session: Session, *, target_id: int, source_ids: list[int], actor: Actor
) -> Ticket:
    target = get_ticket(session, ticket_id=target_id)
    if target.merged_into_id is not None:
        raise ValidationFailed("the target ticket was itself merged", field="target_id")
    if target.status == TicketStatus.CLOSED:
        raise ValidationFailed("a closed ticket cannot receive a merge", field="target_id")
    sources: list[Ticket] = []
    for source_id in dict.fromkeys(source_ids):
        if source_id == target.id:
            raise ValidationFailed("cannot merge a ticket into itself", field="source_ids")
        source = get_ticket(session, ticket_id=source_id)
        if source.merged_into_id is not None:
            raise ValidationFailed(
                f"ticket {source_id} was already merged", field="source_ids", ticket_id=source_id
            )
        sources.append(source)
    for source in sources:
        session.execute(
            update(TicketMessage)
            .where(TicketMessage.ticket_id == source.id)
            .values(ticket_id=target.id)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Interaction)
            .where(Interaction.source_type == "ticket", Interaction.source_id == str(source.id))
            .values(source_id=str(target.id))
            .execution_options(synchronize_session=False)
        )
        _set_tags(target, target.tags + source.tags)
        source.merged_into_id = target.id
        if source.status != TicketStatus.CLOSED:
            source.status = TicketStatus.CLOSED
        after_ticket_change(
            session, ticket=source, change=TicketChange("ticket_withdrawn", None, at=utcnow())
        )
        _store_message(
            session,
            ticket=target,
            body=f"Ticket #{source.number} was merged into this ticket.",
            actor=actor,
            public=False,
            channel=Channel.WEB,
        )
        record_audit(
            session,
            workspace_id=target.workspace_id,
            actor_user_id=actor.user_id,
            action="ticket.merged",
            target_type="ticket",
            target_id=target.id,
            detail={"source_id": source.id, "source_number": source.number},
        )
        publish(
            session,
            TicketsMerged(
                workspace_id=target.workspace_id, target_id=target.id, source_id=source.id
            ),
        )
    session.flush()
    session.expire_all()
    merged = get_ticket(session, ticket_id=target.id)
    # The sources' threads and subjects now belong to the target's document.
    for source in sources:
        drop_from_index(session, ticket_id=source.id)
    reindex_ticket(session, ticket=merged)
    return merged


def mark_spam(session: Session, *, ticket_id: int, actor: Actor) -> Ticket:
    """Hide a ticket from every view and close it; the thread is kept for audit."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    ticket.is_spam = True
    if ticket.status != TicketStatus.CLOSED:
        ticket.status = TicketStatus.CLOSED
    after_ticket_change(
        session, ticket=ticket, change=TicketChange("ticket_withdrawn", None, at=utcnow())
    )
    drop_from_index(session, ticket_id=ticket.id)
    record_audit(
        session,
        workspace_id=ticket.workspace_id,
        actor_user_id=actor.user_id,
        action="ticket.marked_spam",
        target_type="ticket",
        target_id=ticket.id,
        detail={"number": ticket.number},
    )
    publish(
        session,
        TicketMarkedSpam(
            workspace_id=ticket.workspace_id, ticket_id=ticket.id, requester_id=ticket.requester_id
        ),
    )
    session.flush()
    return ticket
