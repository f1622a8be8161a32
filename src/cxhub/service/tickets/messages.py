"""A ticket's thread: public replies and internal notes, and what each does to the ticket.

A customer writing on a solved ticket reopens it; on a closed ticket it starts a follow-up
(closed tickets are final so reporting on them never changes). The first public agent reply
stamps `first_replied_at`, which first-reply-time metrics and SLAs read.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.events import TicketMessageAdded
from cxhub.service.tickets.hooks import TicketChange, after_ticket_change, capture
from cxhub.service.tickets.models import (
    AuthorKind,
    DeliveryStatus,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from cxhub.service.tickets.schemas import MessageCreate
from cxhub.service.tickets.search import reindex_ticket
from cxhub.service.tickets.service import change_status, get_ticket, put_on_timeline

MESSAGE_SORTS = {"created_at": TicketMessage.created_at, "id": TicketMessage.id}


def _bind_attachments(
    session: Session, *, message: TicketMessage, attachment_ids: list[int]
) -> None:
    if not attachment_ids:
        return
    found = list(
        session.scalars(
            select(TicketAttachment).where(
                TicketAttachment.id.in_(attachment_ids), TicketAttachment.message_id.is_(None)
            )
        )
    )
    missing = set(attachment_ids) - {a.id for a in found}
    if missing:
        raise ValidationFailed(
            "unknown or already used attachment ids", field="attachment_ids", ids=sorted(missing)
        )
    for attachment in found:
        attachment.message_id = message.id
    message.attachments.extend(found)


def _store_message(
    session: Session,
    *,
    ticket: Ticket,
    body: str,
    actor: Actor,
    public: bool,
    channel: Channel,
    body_html: str | None = None,
    email_message_id: str | None = None,
    attachment_ids: list[int] | None = None,
    delivery_status: DeliveryStatus | None = None,
    first: bool = False,
) -> TicketMessage:
    """`first`: the ticket was opened in this transaction and this is its first message."""
    now = utcnow()
    message = TicketMessage(
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        author_kind=actor.kind,
        author_user_id=actor.user_id,
        author_contact_id=actor.contact_id
        if actor.contact_id is not None
        else (ticket.requester_id if actor.kind == AuthorKind.CUSTOMER else None),
        is_public=public,
        channel=channel,
        body_text=body,
        body_html=body_html,
        email_message_id=email_message_id,
        delivery_status=delivery_status,
        created_at=now,
        # a new message has no attachments but those bound below: known without a query
        attachments=[],
    )
    session.add(message)
    session.flush()
    _bind_attachments(session, message=message, attachment_ids=attachment_ids or [])
    reindex_ticket(session, ticket=ticket, first_message=body if first else None)
    kind = "ticket.note" if not public else f"ticket.{actor.kind.value}_message"
    put_on_timeline(
        session,
        ticket=ticket,
        kind=kind,
        summary=" ".join(body.split())[:300],
        occurred_at=now,
        payload={"message_id": message.id, "public": public},
        channel=channel,
    )
    publish(
        session,
        TicketMessageAdded(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            message_id=message.id,
            author_kind=actor.kind.value,
            public=public,
            channel=channel.value,
        ),
    )
    return message


def add_first_message(
    session: Session,
    *,
    ticket: Ticket,
    body: str,
    actor: Actor,
    attachment_ids: list[int] | None = None,
    body_html: str | None = None,
    email_message_id: str | None = None,
) -> TicketMessage:
    """The description: written by the requester (an agent opening a ticket on a customer's
    behalf still records the customer's words as the customer's). Only for a ticket opened in
    this transaction (`create_ticket`): its search document is built without reading back."""
    author = actor if actor.kind == AuthorKind.CUSTOMER else Actor.customer(ticket.requester_id)
    return _store_message(
        session,
        ticket=ticket,
        body=body,
        actor=author,
        public=True,
        channel=ticket.channel,
        body_html=body_html,
        email_message_id=email_message_id,
        attachment_ids=attachment_ids,
        first=True,
    )


def record_customer_message(
    session: Session,
    *,
    ticket: Ticket,
    body: str,
    channel: Channel,
    body_html: str | None = None,
    email_message_id: str | None = None,
    attachment_ids: list[int] | None = None,
    status: TicketStatus | None = None,
) -> TicketMessage:
    """A customer wrote on an existing, not-closed ticket: store it and wake the ticket up."""
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationFailed("closed tickets take no messages; start a follow-up")
    before = capture(ticket)
    message = _store_message(
        session,
        ticket=ticket,
        body=body,
        actor=Actor.customer(ticket.requester_id),
        public=True,
        channel=channel,
        body_html=body_html,
        email_message_id=email_message_id,
        attachment_ids=attachment_ids,
    )
    ticket.last_customer_message_at = message.created_at
    ticket.updated_at = message.created_at
    if ticket.status in (TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED):
        change_status(session, ticket=ticket, status=TicketStatus.OPEN)
    if status is not None:
        change_status(session, ticket=ticket, status=status)
    after_ticket_change(
        session,
        ticket=ticket,
        change=TicketChange(
            "customer_replied", before=before, at=message.created_at, message=message
        ),
    )
    return message


def add_message(
    session: Session, *, ticket_id: int, data: MessageCreate, actor: Actor
) -> TicketMessage:
    """Add to a ticket's thread from the API or the agent workspace."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.merged_into_id is not None:
        raise ValidationFailed(
            f"ticket {ticket.id} was merged into {ticket.merged_into_id}",
            merged_into_id=ticket.merged_into_id,
        )
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationFailed(
            "closed tickets take no messages; start a follow-up", ticket_status=ticket.status.value
        )
    if data.as_customer:
        return record_customer_message(
            session,
            ticket=ticket,
            body=data.body,
            channel=ticket.channel,
            attachment_ids=data.attachment_ids,
            status=data.status,
        )
    before = capture(ticket)
    message = _store_message(
        session,
        ticket=ticket,
        body=data.body,
        actor=actor,
        public=data.public,
        channel=Channel.EMAIL if data.public and ticket.channel == Channel.EMAIL else Channel.WEB,
        attachment_ids=data.attachment_ids,
        delivery_status=DeliveryStatus.QUEUED
        if data.public and ticket.channel == Channel.EMAIL
        else None,
    )
    now = message.created_at
    ticket.updated_at = now
    if data.public and actor.kind == AuthorKind.AGENT:
        ticket.first_replied_at = ticket.first_replied_at or now
        ticket.last_agent_reply_at = now
        ticket.agent_reply_count += 1
    target = data.status
    if target is None and data.public and ticket.status == TicketStatus.NEW:
        target = TicketStatus.OPEN
    if target is not None:
        change_status(session, ticket=ticket, status=target)
    event = "note_added" if not data.public else f"{actor.kind.value}_replied"
    after_ticket_change(
        session, ticket=ticket, change=TicketChange(event, before=before, at=now, message=message)
    )
    return message


def get_message(session: Session, *, message_id: int) -> TicketMessage:
    """One message of the session's workspace (404 `NotFound` otherwise); other domains read a
    message through this, e.g. text analytics reacting to `ticket.message_added`."""
    message = session.scalar(select(TicketMessage).where(TicketMessage.id == message_id))
    if message is None:
        raise NotFound(f"message {message_id} not found")
    return message


def message_exists(session: Session, *, message_id: int) -> bool:
    """Is the message (still) in the session's workspace? One indexed probe, no row loaded."""
    found = session.scalar(select(TicketMessage.id).where(TicketMessage.id == message_id))
    return found is not None


def list_messages(
    session: Session,
    *,
    ticket_id: int,
    page: PageRequest,
    public_only: bool = False,
    load_attachments: bool = True,
) -> Page[TicketMessage]:
    """A page of the ticket's thread (404 `NotFound` for a ticket outside the session's
    workspace). The ticket is only probed by id, never loaded: nothing here reads it.

    `load_attachments=False` skips the messages' `selectin` attachment loader (they then load per
    message on first use): for a caller that reads the page's attachments as plain rows
    (`listing.message_outs`), as building an entity per attachment cost most of the API thread's
    CPU (issue 7)."""
    if session.scalar(select(Ticket.id).where(Ticket.id == ticket_id)) is None:
        raise NotFound(f"ticket {ticket_id} not found")
    statement = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
    if not load_attachments:
        statement = statement.options(lazyload(TicketMessage.attachments))
    if public_only:
        statement = statement.where(TicketMessage.is_public.is_(True))
    return paginate(
        session,
        statement,
        request=page,
        sortable=MESSAGE_SORTS,
        id_column=TicketMessage.id,
        default_sort="created_at",
    )
