"""The tickets a contact requested, with every message, for a data-subject export (GDPR art. 15).

Internal notes are included: they are data held about the person. Attachments appear as metadata
(name, type, size, checksum, download URL); the bytes stay behind the attachments API.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.service.tickets.models import Ticket, TicketMessage
from cxhub.service.tickets.schemas import MessageOut, TicketOut


class TicketWithMessages(BaseModel):
    ticket: TicketOut
    messages: list[MessageOut]


def export_for_contact(session: Session, *, contact_id: int) -> list[TicketWithMessages]:
    tickets = list(
        session.scalars(select(Ticket).where(Ticket.requester_id == contact_id).order_by(Ticket.id))
    )
    messages: dict[int, list[MessageOut]] = {ticket.id: [] for ticket in tickets}
    if tickets:
        for message in session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id.in_(messages))
            .order_by(TicketMessage.created_at, TicketMessage.id)
        ):
            messages[message.ticket_id].append(MessageOut.of(message))
    return [
        TicketWithMessages(ticket=TicketOut.of(ticket), messages=messages[ticket.id])
        for ticket in tickets
    ]
