"""What a signed-in customer does with tickets in the portal, on top of the helpdesk services.

Submitting opens a `web` ticket through `tickets.service.create_ticket`; replying goes through
`tickets.messages.record_customer_message` (so a solved, pending or on-hold ticket reopens by the
helpdesk's own rules, and a closed one refuses); rating goes through the CSAT service. The
thread shown is the public one only: internal notes are filtered in the query, never in a
template.

Replying and rating are for the ticket's requester: an account admin reads colleagues' tickets
but does not write in their name (the helpdesk records a customer message as the requester's).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cxhub.core.errors import NotFound, PermissionDenied, ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.contacts.models import Contact
from cxhub.customers.timeline.models import Channel
from cxhub.service.csat import service as csat
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.portal.events import PortalTicketSubmitted
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import record_customer_message
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage, TicketStatus
from cxhub.service.tickets.schemas import MAX_BODY_CHARS, TicketCreate
from cxhub.service.tickets.service import create_ticket

MAX_SEARCH_ID_CHARS = 64
RATEABLE = frozenset({TicketStatus.SOLVED, TicketStatus.CLOSED})


class NotYourTicket(PermissionDenied):
    """An account admin tried to write on a colleague's ticket (they may only read it)."""

    type_slug = "not-requester"
    title = "Only the requester may do this"


def submit_ticket(
    session: Session,
    *,
    contact: Contact,
    subject: str,
    description: str,
    language: str | None,
    attachment_ids: Sequence[int] = (),
    search_id: str | None = None,
) -> Ticket:
    data = TicketCreate(
        subject=subject,
        description=description,
        requester_id=contact.id,
        channel=Channel.WEB,
        language=language,
        attachment_ids=list(attachment_ids),
    )
    ticket, _ = create_ticket(
        session, workspace_id=contact.workspace_id, data=data, actor=Actor.customer(contact.id)
    )
    search = (search_id or "").strip()[:MAX_SEARCH_ID_CHARS] or None
    publish(
        session,
        PortalTicketSubmitted(
            workspace_id=contact.workspace_id,
            ticket_id=ticket.id,
            contact_id=contact.id,
            search_id=search,
        ),
    )
    return ticket


def public_thread(session: Session, *, ticket: Ticket) -> list[TicketMessage]:
    """The messages the customer may read: public ones only, oldest first."""
    return list(
        session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id, TicketMessage.is_public.is_(True))
            .options(selectinload(TicketMessage.attachments))
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
    )


def _require_requester(ticket: Ticket, contact: Contact) -> None:
    if ticket.requester_id != contact.id:
        raise NotYourTicket("only the person who asked can reply to or rate this ticket")


def reply(
    session: Session,
    *,
    ticket: Ticket,
    contact: Contact,
    body: str,
    attachment_ids: Sequence[int] = (),
) -> TicketMessage:
    _require_requester(ticket, contact)
    text = body.strip()
    if not text:
        raise ValidationFailed("the reply is empty", field="body")
    if len(text) > MAX_BODY_CHARS:
        raise ValidationFailed("the reply is too long", field="body")
    return record_customer_message(
        session,
        ticket=ticket,
        body=text,
        channel=Channel.WEB,
        attachment_ids=list(attachment_ids),
    )


def rating_of(session: Session, *, ticket: Ticket) -> CsatSurvey | None:
    return session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id))


def rate(
    session: Session, *, ticket: Ticket, contact: Contact, score: int, comment: str | None
) -> CsatSurvey:
    _require_requester(ticket, contact)
    if ticket.status not in RATEABLE:
        raise ValidationFailed("only solved tickets can be rated", field="score")
    return csat.rate_ticket(
        session, ticket_id=ticket.id, score=score, comment=comment, channel="portal"
    )


def public_attachment(session: Session, *, ticket: Ticket, attachment_id: int) -> TicketAttachment:
    """An attachment of a public message of `ticket` (a note's files are never served)."""
    attachment = session.scalar(
        select(TicketAttachment)
        .join(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
        .where(
            TicketAttachment.id == attachment_id,
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.is_public.is_(True),
        )
    )
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found")
    return attachment
