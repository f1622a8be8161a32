"""The one channel interface: an inbound customer message on channel X in conversation Y becomes
a new ticket or a message on the ticket that conversation feeds.

Every non-email channel (webhook sources, the public web form, the JSON public route) calls
`receive_inbound`, so threading, follow-ups, reopening and de-duplication behave the same
whichever door the customer used:

- a conversation (`scope`, `thread_key`) maps to one ticket through `channel_threads`;
- a message on a solved/pending/on-hold ticket reopens it (`record_customer_message`);
- a message on a closed ticket starts a follow-up ticket (`follow_up_of_id`), and the
  conversation then feeds the follow-up;
- a message id already received in the same scope is a duplicate: nothing is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.errors import ValidationFailed
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import identify_contact
from cxhub.customers.timeline.models import Channel
from cxhub.service.channels.models import ChannelReceipt, ChannelSource, ChannelThread
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import record_customer_message
from cxhub.service.tickets.models import Ticket, TicketMessage, TicketStatus
from cxhub.service.tickets.schemas import TicketCreate
from cxhub.service.tickets.service import create_ticket, get_ticket

SUBJECT_CHARS = 80
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class InboundAuthor:
    """Who wrote: a display name plus the identifiers `identify_contact` resolves."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    social_handle: str | None = None
    external_id: str | None = None

    def contact(self) -> ContactCreate:
        first, _, last = " ".join((self.name or "").split()).partition(" ")
        return ContactCreate(
            first_name=first[:120] or None,
            last_name=last[:120] or None,
            emails=[self.email] if self.email else [],
            phones=[self.phone] if self.phone else [],
            social_handles=[self.social_handle] if self.social_handle else [],
            external_ids=[self.external_id] if self.external_id else [],
        )

    @property
    def identified(self) -> bool:
        return any((self.email, self.phone, self.social_handle, self.external_id))


@dataclass(frozen=True)
class InboundResult:
    ticket: Ticket
    message: TicketMessage
    created_ticket: bool
    duplicate: bool


def scope_of(channel: Channel, source: ChannelSource | None) -> str:
    """`source:<id>` for a configured source, else the channel itself (`web`, `phone`)."""
    return f"source:{source.id}" if source is not None else channel.value


def subject_from(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= SUBJECT_CHARS:
        return line or "(no subject)"
    return line[: SUBJECT_CHARS - 1].rstrip() + "…"


def _current_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket a conversation feeds, following merges to the surviving ticket."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    for _ in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        ticket = get_ticket(session, ticket_id=ticket.merged_into_id)
    return ticket


def _first_message(session: Session, ticket: Ticket) -> TicketMessage:
    message = session.scalar(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.id)
        .limit(1)
    )
    assert message is not None, "a new ticket always has its first message"
    return message


def _duplicate(session: Session, receipt: ChannelReceipt) -> InboundResult | None:
    if receipt.ticket_id is None or receipt.message_id is None:
        return None
    message = session.scalar(select(TicketMessage).where(TicketMessage.id == receipt.message_id))
    if message is None:
        return None
    ticket = get_ticket(session, ticket_id=message.ticket_id)
    return InboundResult(ticket, message, created_ticket=False, duplicate=True)


def _claim_receipt(
    session: Session,
    *,
    workspace_id: int,
    scope: str,
    source: ChannelSource | None,
    external_message_id: str,
    occurred_at: datetime | None,
) -> ChannelReceipt | InboundResult:
    """Record the message id first (under a savepoint), so a concurrent re-send of the same id
    waits on the unique constraint and is then recognised as a duplicate."""
    found = session.scalar(
        select(ChannelReceipt).where(
            ChannelReceipt.scope == scope,
            ChannelReceipt.external_message_id == external_message_id,
        )
    )
    if found is None:
        receipt = ChannelReceipt(
            workspace_id=workspace_id,
            scope=scope,
            channel_source_id=source.id if source is not None else None,
            external_message_id=external_message_id,
            occurred_at=occurred_at,
        )
        try:
            with session.begin_nested():
                session.add(receipt)
                session.flush()
            return receipt
        except IntegrityError:
            found = session.scalar(
                select(ChannelReceipt).where(
                    ChannelReceipt.scope == scope,
                    ChannelReceipt.external_message_id == external_message_id,
                )
            )
    duplicate = _duplicate(session, found) if found is not None else None
    if duplicate is None:
        raise ValidationFailed(
            "this message id was received but its message no longer exists",
            field="message_id",
        )
    return duplicate


def _resolve_requester(
    session: Session, *, workspace_id: int, author: InboundAuthor, ticket: Ticket | None
) -> Contact | None:
    if author.identified:
        return identify_contact(session, workspace_id=workspace_id, data=author.contact()).contact
    if ticket is not None:
        return None  # an anonymous message in a known conversation belongs to its requester
    raise ValidationFailed(
        "the author needs an email, phone, social handle or external id", field="author"
    )


def receive_inbound(
    session: Session,
    *,
    workspace_id: int,
    channel: Channel,
    source: ChannelSource | None,
    thread_key: str | None,
    author: InboundAuthor,
    text: str,
    occurred_at: datetime | None = None,
    external_message_id: str | None = None,
    subject: str | None = None,
    attachment_ids: Sequence[int] = (),
) -> InboundResult:
    """Turn one inbound customer message into a ticket or a message on its conversation's
    ticket (see the module docstring for the rules)."""
    if not text.strip():
        raise ValidationFailed("the message has no text", field="text")
    scope = scope_of(channel, source)
    receipt: ChannelReceipt | None = None
    if external_message_id:
        claimed = _claim_receipt(
            session,
            workspace_id=workspace_id,
            scope=scope,
            source=source,
            external_message_id=external_message_id,
            occurred_at=occurred_at,
        )
        if isinstance(claimed, InboundResult):
            return claimed
        receipt = claimed

    thread = None
    if thread_key:
        thread = session.scalar(
            select(ChannelThread).where(
                ChannelThread.scope == scope, ChannelThread.thread_key == thread_key
            )
        )
    ticket = _current_ticket(session, thread.ticket_id) if thread is not None else None
    follow_up_of: int | None = None
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        follow_up_of, ticket = ticket.id, None
    contact = _resolve_requester(session, workspace_id=workspace_id, author=author, ticket=ticket)

    if ticket is not None:
        message = record_customer_message(
            session,
            ticket=ticket,
            body=text,
            channel=channel,
            attachment_ids=list(attachment_ids),
        )
        created = False
    else:
        assert contact is not None
        ticket, _ = create_ticket(
            session,
            workspace_id=workspace_id,
            data=TicketCreate(
                subject=subject_from(subject or text),
                description=text,
                requester_id=contact.id,
                channel=channel,
                attachment_ids=list(attachment_ids),
            ),
            actor=Actor.customer(contact.id),
        )
        if follow_up_of is not None:
            ticket.follow_up_of_id = follow_up_of
        message = _first_message(session, ticket)
        created = True

    if thread_key:
        if thread is None:
            session.add(
                ChannelThread(
                    workspace_id=workspace_id,
                    scope=scope,
                    channel_source_id=source.id if source is not None else None,
                    thread_key=thread_key,
                    ticket_id=ticket.id,
                )
            )
        else:
            thread.ticket_id = ticket.id
    if receipt is not None:
        receipt.ticket_id = ticket.id
        receipt.message_id = message.id
    session.flush()
    return InboundResult(ticket, message, created_ticket=created, duplicate=False)
