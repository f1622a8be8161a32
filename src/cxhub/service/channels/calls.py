"""Phone calls an agent logs: a `call.inbound` / `call.outbound` touchpoint on the caller's
timeline, and the notes as an internal note on a ticket or as the description of a new phone
ticket."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxhub.customers.contacts.schemas import display_name
from cxhub.customers.contacts.service import get_contact, identify_contact
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.service.channels.schemas import CallCreate, CallDirection
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import add_message
from cxhub.service.tickets.models import Ticket, TicketMessage
from cxhub.service.tickets.schemas import MessageCreate, TicketCreate
from cxhub.service.tickets.service import create_ticket, get_ticket


@dataclass(frozen=True)
class LoggedCall:
    interaction: Interaction
    contact_id: int
    ticket: Ticket | None
    created_ticket: bool
    note: TicketMessage | None


def call_summary(data: CallCreate) -> str:
    minutes, seconds = divmod(data.duration_seconds, 60)
    label = "Inbound call" if data.direction == CallDirection.INBOUND else "Outbound call"
    return f"{label}, {minutes} min {seconds} s"


def log_call(session: Session, *, workspace_id: int, data: CallCreate, user_id: int) -> LoggedCall:
    if data.contact is not None:
        contact = identify_contact(session, workspace_id=workspace_id, data=data.contact).contact
    else:
        assert data.contact_id is not None
        contact = get_contact(session, contact_id=data.contact_id)
    summary = call_summary(data)
    notes = data.notes.strip()
    ticket: Ticket | None = None
    note: TicketMessage | None = None
    created = False
    if data.ticket_id is not None:
        ticket = get_ticket(session, ticket_id=data.ticket_id)
        body = f"{summary}\n\n{notes}" if notes else summary
        note = add_message(
            session,
            ticket_id=ticket.id,
            data=MessageCreate(body=body, public=False),
            actor=Actor.agent(user_id),
        )
    elif data.create_ticket:
        ticket, created = create_ticket(
            session,
            workspace_id=workspace_id,
            data=TicketCreate(
                subject=data.subject or f"Phone call with {display_name(contact)}",
                description=notes or summary,
                requester_id=contact.id,
                channel=Channel.PHONE,
            ),
            actor=Actor.agent(user_id),
        )
    payload: dict[str, object] = {
        "direction": data.direction.value,
        "duration_seconds": data.duration_seconds,
        "recording_url": data.recording_url,
        "logged_by": user_id,
    }
    if ticket is not None:
        payload["ticket_number"] = ticket.number
    interaction, _ = record_interaction(
        session,
        workspace_id=workspace_id,
        data=InteractionCreate(
            kind=f"call.{data.direction.value}",
            channel=Channel.PHONE,
            occurred_at=data.started_at,
            contact_id=contact.id,
            summary=(f"{summary}: {' '.join(notes.split())}" if notes else summary)[:500],
            payload=payload,
            source_type="ticket" if ticket is not None else None,
            source_id=str(ticket.id) if ticket is not None else None,
        ),
    )
    return LoggedCall(interaction, contact.id, ticket, created, note)
