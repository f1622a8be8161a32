"""Agent replies go out as e-mail: queued with the reply, sent by a job, retried with back-off.

`queue_reply` runs inside the transaction that stores a public agent reply on an e-mail ticket
(tickets/hooks.py): it composes the MIME message (From the workspace's default mailbox, threaded
on the customer's last message, with the `[#CX-n]` token), stores it as an `OutboundEmail`, gives
the ticket message the new Message-ID (so the customer's answer threads back) and asks for
`mail.deliver` after the commit. A rolled-back reply therefore never sends mail.

Sending happens outside any database transaction (an SMTP conversation may take seconds): the
job claims the row (one attempt, a lease on `next_attempt_at`), sends, then records the outcome.
Transient failures retry after 1, 5, 15, 60 and 240 minutes (the periodic `mail.retry_due` sweep
sends what is due); the sixth failure, or any permanent one, marks the reply failed, visibly on
the ticket message (`delivery_status`, `delivery_error`, `delivery_attempts`).
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import Conflict, NotFound
from cxhub.core.jobs import enqueue
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import full_name
from cxhub.service.mail.compose import OUTBOUND_POLICY, compose_reply
from cxhub.service.mail.identifiers import normalise_message_id
from cxhub.service.mail.mailboxes import default_mailbox
from cxhub.service.mail.models import OutboundEmail, OutboundStatus
from cxhub.service.mail.transport import DeliveryError, PermanentDeliveryError
from cxhub.service.tickets.models import (
    AuthorKind,
    DeliveryStatus,
    Ticket,
    TicketMessage,
)

DELIVER = "mail.deliver"
RETRY_DUE = "mail.retry_due"

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=60),
    timedelta(minutes=240),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SEND_LEASE = timedelta(minutes=10)
"""How long a claimed attempt keeps the sweep away (a process that died mid-send retries then)."""

NO_RELAY = "no SMTP relay configured"
NO_MAILBOX = "no support mailbox configured"
NO_ADDRESS = "the requester has no e-mail address"


def _fail_message(message: TicketMessage, error: str) -> None:
    message.delivery_status = DeliveryStatus.FAILED
    message.delivery_error = error


def _thread_message(session: Session, row: OutboundEmail) -> TicketMessage | None:
    if row.ticket_message_id is None:
        return None
    return session.get(TicketMessage, row.ticket_message_id)


def mark_outbound_failed(session: Session, row: OutboundEmail, error: str) -> None:
    """Give up on `row` and say why on its ticket message (also used for bounces)."""
    row.status = OutboundStatus.FAILED
    row.last_error = error
    row.next_attempt_at = None
    message = _thread_message(session, row)
    if message is not None:
        _fail_message(message, error)
    session.flush()


def requester_address(session: Session, ticket: Ticket) -> str | None:
    """The requester's e-mail address (the first one recorded), formatted with their name."""
    address = session.scalar(
        select(ContactIdentifier.value)
        .where(
            ContactIdentifier.contact_id == ticket.requester_id,
            ContactIdentifier.kind == IdentifierKind.EMAIL,
        )
        .order_by(ContactIdentifier.id)
        .limit(1)
    )
    if address is None:
        return None
    contact = session.get(Contact, ticket.requester_id)
    name = full_name(contact.first_name, contact.last_name) if contact is not None else ""
    return formataddr((name, address))


def _queue(
    session: Session,
    *,
    workspace_id: int,
    mime: EmailMessage,
    envelope_from: str,
    to: str,
    kind: str,
    ticket_id: int | None = None,
    ticket_message_id: int | None = None,
) -> OutboundEmail:
    """Store a composed message as a queued `OutboundEmail` and ask for `mail.deliver` after
    the commit: the one way every outbound mail (reply, ticket or system e-mail) is queued."""
    now = utcnow()
    row = OutboundEmail(
        workspace_id=workspace_id,
        ticket_id=ticket_id,
        ticket_message_id=ticket_message_id,
        kind=kind[:32],
        envelope_from=envelope_from,
        to=to[:320],
        subject=str(mime["Subject"])[:1000],
        message_id=normalise_message_id(str(mime["Message-ID"])),
        raw=mime.as_bytes(),
        status=OutboundStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    enqueue(session, DELIVER, workspace_id=workspace_id, payload={"outbound_id": row.id})
    return row


def queue_reply(
    session: Session, *, ticket: Ticket, message: TicketMessage
) -> OutboundEmail | None:
    """Compose and queue `message` (a public agent reply); fail it visibly when it cannot go."""
    mailbox = default_mailbox(session)
    if mailbox is None:
        _fail_message(message, NO_MAILBOX)
        return None
    to = requester_address(session, ticket)
    if to is None:
        _fail_message(message, NO_ADDRESS)
        return None
    thread = list(
        session.scalars(
            select(TicketMessage)
            .where(
                TicketMessage.ticket_id == ticket.id,
                TicketMessage.email_message_id.is_not(None),
                TicketMessage.id != message.id,
            )
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
    )
    customer_ids = [m.email_message_id for m in thread if m.author_kind == AuthorKind.CUSTOMER]
    references = [m.email_message_id for m in thread if m.email_message_id]
    in_reply_to = customer_ids[-1] if customer_ids else None
    mime = compose_reply(
        from_address=mailbox.address,
        from_name=mailbox.display_name,
        to=to,
        subject=ticket.subject,
        text=message.body_text,
        in_reply_to=in_reply_to,
        references=references,
        message_id_domain=mailbox.address.rpartition("@")[2],
        ticket_number=ticket.number,
    )
    message.email_message_id = normalise_message_id(str(mime["Message-ID"]))
    message.delivery_status = DeliveryStatus.QUEUED
    message.delivery_error = None
    return _queue(
        session,
        workspace_id=ticket.workspace_id,
        mime=mime,
        envelope_from=mailbox.address,
        to=to,
        kind="reply",
        ticket_id=ticket.id,
        ticket_message_id=message.id,
    )


def queue_ticket_email(
    session: Session,
    *,
    ticket: Ticket,
    kind: str,
    subject: str,
    text: str,
    html: str | None = None,
    to: str | None = None,
) -> OutboundEmail | None:
    """Queue a system e-mail about a ticket that is not a thread message (a CSAT request, a
    notification): sent from the default mailbox with `Auto-Submitted` set, so the customer's
    auto-responder never answers it. None when there is no mailbox or no address."""
    mailbox = default_mailbox(session)
    recipient = to or requester_address(session, ticket)
    if mailbox is None or recipient is None:
        return None
    mime = compose_reply(
        from_address=mailbox.address,
        from_name=mailbox.display_name,
        to=recipient,
        subject=subject,
        text=text,
        html=html,
        message_id_domain=mailbox.address.rpartition("@")[2],
        ticket_number=ticket.number,
        auto_generated=True,
    )
    return _queue(
        session,
        workspace_id=ticket.workspace_id,
        mime=mime,
        envelope_from=mailbox.address,
        to=recipient,
        kind=kind,
        ticket_id=ticket.id,
    )


def queue_system_email(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    to: str,
    subject: str,
    text: str,
) -> OutboundEmail | None:
    """Queue a system e-mail about no ticket (a playbook notification to a CSM): sent from the
    default mailbox with `Auto-Submitted` set, delivered and retried like every outbound mail.
    None when the workspace has no mailbox to send from."""
    mailbox = default_mailbox(session)
    if mailbox is None:
        return None
    mime = compose_reply(
        from_address=mailbox.address,
        from_name=mailbox.display_name,
        to=to,
        subject=subject,
        text=text,
        message_id_domain=mailbox.address.rpartition("@")[2],
        auto_generated=True,
    )
    return _queue(
        session,
        workspace_id=workspace_id,
        mime=mime,
        envelope_from=mailbox.address,
        to=to,
        kind=kind,
    )


@dataclass(frozen=True)
class ClaimedDelivery:
    """One attempt's worth of what to send, read inside the claiming transaction."""

    outbound_id: int
    attempt: int
    message: EmailMessage
    envelope_from: str
    recipient: str


def claim_delivery(session: Session, *, outbound_id: int, now: datetime) -> ClaimedDelivery | None:
    """Start an attempt when the row is queued and due; None otherwise (idempotent jobs)."""
    row = session.scalar(
        select(OutboundEmail).where(OutboundEmail.id == outbound_id).with_for_update()
    )
    if row is None or row.status != OutboundStatus.QUEUED:
        return None
    if row.next_attempt_at is not None and row.next_attempt_at > now:
        return None
    row.attempts += 1
    row.next_attempt_at = now + SEND_LEASE
    message = _thread_message(session, row)
    if message is not None:
        message.delivery_attempts = row.attempts
    session.flush()
    parsed = email.message_from_bytes(row.raw, _class=EmailMessage, policy=OUTBOUND_POLICY)
    recipient = email.utils.parseaddr(row.to)[1] or row.to
    return ClaimedDelivery(row.id, row.attempts, parsed, row.envelope_from, recipient)


def record_delivery(
    session: Session, *, outbound_id: int, error: DeliveryError | None, now: datetime
) -> OutboundEmail | None:
    """Store an attempt's outcome: sent, retry later (transient), or failed."""
    row = session.scalar(
        select(OutboundEmail).where(OutboundEmail.id == outbound_id).with_for_update()
    )
    if row is None or row.status != OutboundStatus.QUEUED:
        return row
    message = _thread_message(session, row)
    if error is None:
        row.status = OutboundStatus.SENT
        row.sent_at = now
        row.next_attempt_at = None
        row.last_error = None
        if message is not None:
            message.delivery_status = DeliveryStatus.SENT
            message.delivery_error = None
    elif isinstance(error, PermanentDeliveryError):
        mark_outbound_failed(session, row, f"rejected: {error}"[:2000])
    elif row.attempts >= MAX_ATTEMPTS:
        mark_outbound_failed(session, row, f"gave up after {row.attempts} attempts: {error}"[:2000])
    else:
        retry_at = now + RETRY_DELAYS[row.attempts - 1]
        row.next_attempt_at = retry_at
        row.last_error = str(error)[:2000]
        if message is not None:
            message.delivery_error = (
                f"attempt {row.attempts} failed ({error}); retrying at {retry_at.isoformat()}"
            )[:2000]
    session.flush()
    return row


def fail_without_relay(session: Session, *, outbound_id: int) -> None:
    row = session.get(OutboundEmail, outbound_id)
    if row is not None and row.status == OutboundStatus.QUEUED:
        mark_outbound_failed(session, row, NO_RELAY)


def due_outbound_ids(session: Session, *, now: datetime, limit: int = 200) -> list[int]:
    return list(
        session.scalars(
            select(OutboundEmail.id)
            .where(
                OutboundEmail.status == OutboundStatus.QUEUED,
                OutboundEmail.next_attempt_at <= now,
            )
            .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
            .limit(limit)
        )
    )


def resend_message(session: Session, *, ticket_id: int, message_id: int) -> TicketMessage:
    """Queue a failed reply again (after fixing the relay or the customer's address)."""
    message = session.scalar(
        select(TicketMessage).where(
            TicketMessage.id == message_id, TicketMessage.ticket_id == ticket_id
        )
    )
    if message is None:
        raise NotFound(f"message {message_id} not found on ticket {ticket_id}")
    if message.delivery_status != DeliveryStatus.FAILED:
        raise Conflict(
            "only a reply whose delivery failed can be re-sent",
            delivery_status=message.delivery_status.value if message.delivery_status else None,
        )
    row = session.scalar(
        select(OutboundEmail)
        .where(OutboundEmail.ticket_message_id == message.id)
        .order_by(OutboundEmail.id.desc())
        .limit(1)
    )
    message.delivery_attempts = 0
    if row is None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        queue_reply(session, ticket=ticket, message=message)
        return message
    row.status = OutboundStatus.QUEUED
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = None
    message.delivery_status = DeliveryStatus.QUEUED
    message.delivery_error = None
    session.flush()
    enqueue(session, DELIVER, workspace_id=row.workspace_id, payload={"outbound_id": row.id})
    return message
