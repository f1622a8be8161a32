"""Turn a stored inbound email into ticket work: a new ticket, a reply, or nothing.

Decisions, in order (docs/email.md, "From mail to ticket"):

1. unparseable (no sender) -> `quarantined` with the reason, for an admin to look at;
2. a bounce -> the outbound reply it refers to is marked failed; `ignored`;
3. any other automated mail (auto-reply, list) or mail from one of our own mailboxes ->
   `ignored`: never a ticket, never an answer (no mail loops);
4. a Message-ID already on a ticket message -> `duplicate` (re-delivery);
5. threading: an id in In-Reply-To/References that is a ticket message's -> that ticket; else a
   `[#CX-n]` token in the subject, but only when the sender is that ticket's requester (tokens are
   guessable); a closed ticket gets a follow-up ticket instead;
6. otherwise a new ticket from the sender.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound
from cxhub.customers.contacts.models import ContactIdentifier, IdentifierKind
from cxhub.customers.timeline.models import Channel
from cxhub.service.mail.mailboxes import normalise_address
from cxhub.service.mail.models import InboundEmail, InboundStatus, Mailbox, OutboundEmail
from cxhub.service.mail.outbound import mark_outbound_failed
from cxhub.service.mail.parsing import (
    ParsedEmail,
    UnparseableEmail,
    parse_email,
    ticket_number_from_subject,
)
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.attachments import AttachmentStore, store_attachment
from cxhub.service.tickets.messages import record_customer_message
from cxhub.service.tickets.models import Ticket, TicketMessage, TicketStatus
from cxhub.service.tickets.schemas import MAX_BODY_CHARS, TicketCreate, TicketRequester
from cxhub.service.tickets.service import create_ticket, get_ticket_by_number

log = logging.getLogger(__name__)

_EMBEDDED_MESSAGE_ID = re.compile(
    rb"^(?:message-id|original-message-id)[ \t]*:[ \t]*<?([^<>\s]+)>?", re.IGNORECASE | re.MULTILINE
)
_DIAGNOSTICS = tuple(
    re.compile(rb"^" + name + rb"[ \t]*:[ \t]*([^\r\n]+)", re.IGNORECASE | re.MULTILINE)
    for name in (rb"diagnostic-code", rb"status")
)
_MAX_MERGE_HOPS = 20


@dataclass
class IntakeOptions:
    """Where attachment bytes go and how big one may be (from settings)."""

    store: AttachmentStore | None = None
    attachment_max_bytes: int = 20 * 1024 * 1024


@dataclass
class _Outcome:
    status: InboundStatus
    reason: str | None = None
    ticket_id: int | None = None
    notes: list[str] = field(default_factory=list)


def process_inbound(
    session: Session, inbound_id: int, *, options: IntakeOptions | None = None
) -> InboundEmail:
    """Process one stored message (idempotent: a row no longer `received` is left alone)."""
    row = session.scalar(
        select(InboundEmail).where(InboundEmail.id == inbound_id).with_for_update()
    )
    if row is None:
        raise NotFound(f"inbound email {inbound_id} not found")
    if row.status != InboundStatus.RECEIVED:
        return row
    outcome = _decide(session, row, options or IntakeOptions())
    row.status = outcome.status
    row.reason = "; ".join([*([outcome.reason] if outcome.reason else []), *outcome.notes]) or None
    row.ticket_id = outcome.ticket_id
    row.processed_at = utcnow()
    session.flush()
    return row


def _decide(session: Session, row: InboundEmail, options: IntakeOptions) -> _Outcome:
    try:
        parsed = parse_email(row.raw)
    except UnparseableEmail as error:
        return _Outcome(InboundStatus.QUARANTINED, error.reason)
    row.message_id = parsed.message_id[:500]
    if parsed.is_bounce:
        return _Outcome(InboundStatus.IGNORED, _handle_bounce(session, row.raw, parsed))
    if parsed.is_auto_reply:
        return _Outcome(InboundStatus.IGNORED, f"automated mail ({parsed.auto_reason})")
    if _is_own_mailbox(session, parsed.from_address):
        return _Outcome(InboundStatus.IGNORED, "sent by one of our own mailboxes (loop)")
    duplicate = _message_with_id(session, parsed.message_id)
    if duplicate is not None:
        return _Outcome(InboundStatus.DUPLICATE, "already on the ticket", duplicate.ticket_id)
    try:
        with session.begin_nested():
            return _to_ticket(session, row, parsed, options)
    except IntegrityError:
        duplicate = _message_with_id(session, parsed.message_id)
        if duplicate is None:
            raise
        return _Outcome(InboundStatus.DUPLICATE, "already on the ticket", duplicate.ticket_id)
    except OperationalError:
        raise
    except Exception as error:  # a bad mail must not block the queue; an admin can retry it
        log.exception("inbound email %s could not become a ticket message", row.id)
        return _Outcome(InboundStatus.QUARANTINED, f"processing failed: {error}"[:1000])


def _message_with_id(session: Session, message_id: str) -> TicketMessage | None:
    return session.scalar(
        select(TicketMessage).where(TicketMessage.email_message_id == message_id[:500]).limit(1)
    )


def _is_own_mailbox(session: Session, address: str) -> bool:
    normalised = normalise_address(address)
    return session.scalar(select(Mailbox.id).where(Mailbox.address == normalised)) is not None


def _handle_bounce(session: Session, raw: bytes, parsed: ParsedEmail) -> str:
    candidates = {parsed.in_reply_to or "", *parsed.references}
    candidates.update(
        match.decode("ascii", errors="replace") for match in _EMBEDDED_MESSAGE_ID.findall(raw)
    )
    candidates.discard(parsed.message_id)
    candidates.discard("")
    diagnostic = next(
        (found for pattern in _DIAGNOSTICS if (found := pattern.search(raw)) is not None), None
    )
    detail = (
        diagnostic.group(1).decode("utf-8", errors="replace").strip()
        if diagnostic
        else parsed.auto_reason or "bounced"
    )
    if not candidates:
        return f"bounce ({detail}); no original message found"
    outbound = session.scalars(
        select(OutboundEmail).where(OutboundEmail.message_id.in_(sorted(candidates)))
    ).all()
    for row in outbound:
        mark_outbound_failed(session, row, f"bounced: {detail}"[:1000])
    if not outbound:
        return f"bounce ({detail}); not one of our messages"
    return f"bounce ({detail}); marked {len(outbound)} outbound message(s) failed"


def _follow_merges(session: Session, ticket: Ticket) -> Ticket:
    for _ in range(_MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        target = session.get(Ticket, ticket.merged_into_id)
        if target is None:
            break
        ticket = target
    return ticket


def _sender_is_requester(session: Session, ticket: Ticket, address: str) -> bool:
    found = session.scalar(
        select(ContactIdentifier.id).where(
            ContactIdentifier.contact_id == ticket.requester_id,
            ContactIdentifier.kind == IdentifierKind.EMAIL,
            ContactIdentifier.value == address.lower(),
        )
    )
    return found is not None


def _thread_ticket(session: Session, parsed: ParsedEmail) -> Ticket | None:
    ids = [value[:500] for value in (parsed.in_reply_to, *parsed.references) if value]
    if ids:
        message = session.scalar(
            select(TicketMessage)
            .where(TicketMessage.email_message_id.in_(ids))
            .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
            .limit(1)
        )
        if message is not None:
            ticket = session.get(Ticket, message.ticket_id)
            if ticket is not None:
                return _follow_merges(session, ticket)
    number = ticket_number_from_subject(parsed.subject)
    if number is not None:
        ticket = get_ticket_by_number(session, number=number)
        if ticket is not None and _sender_is_requester(session, ticket, parsed.from_address):
            return _follow_merges(session, ticket)
    return None


def _store_attachments(
    session: Session, row: InboundEmail, parsed: ParsedEmail, options: IntakeOptions
) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    notes: list[str] = []
    for attachment in parsed.attachments:
        if not attachment.content:
            continue
        if options.store is None:
            notes.append(f"attachment {attachment.filename!r} not kept: no attachment storage")
            continue
        if len(attachment.content) > options.attachment_max_bytes:
            notes.append(
                f"attachment {attachment.filename!r} ({len(attachment.content)} bytes) not kept: "
                f"larger than the {options.attachment_max_bytes}-byte limit"
            )
            continue
        stored = store_attachment(
            session,
            store=options.store,
            workspace_id=row.workspace_id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=attachment.content,
            max_bytes=options.attachment_max_bytes,
            content_id=attachment.content_id,
        )
        ids.append(stored.id)
    return ids, notes


def _with_notes(body: str, notes: list[str]) -> str:
    if notes:
        body = "\n\n".join([body, *(f"[{note}]" for note in notes)])
    return body[:MAX_BODY_CHARS]


def _requester(parsed: ParsedEmail) -> TicketRequester:
    first, _, last = " ".join(parsed.from_name.split()).partition(" ")
    return TicketRequester(
        emails=[parsed.from_address],
        first_name=first[:120] or None,
        last_name=last[:120] or None,
    )


def _to_ticket(
    session: Session, row: InboundEmail, parsed: ParsedEmail, options: IntakeOptions
) -> _Outcome:
    ticket = _thread_ticket(session, parsed)
    attachment_ids, notes = _store_attachments(session, row, parsed, options)
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        message = record_customer_message(
            session,
            ticket=ticket,
            body=_with_notes(parsed.reply_text or "(empty message)", notes),
            channel=Channel.EMAIL,
            body_html=parsed.html,
            email_message_id=parsed.message_id[:500],
            attachment_ids=attachment_ids,
        )
        return _Outcome(InboundStatus.PROCESSED, None, message.ticket_id, notes)
    subject = " ".join(parsed.subject.split())[:500] or "(no subject)"
    created, _ = create_ticket(
        session,
        workspace_id=row.workspace_id,
        data=TicketCreate(
            subject=subject,
            description=_with_notes(parsed.text or "(empty message)", notes),
            requester=_requester(parsed),
            channel=Channel.EMAIL,
        ),
        actor=Actor.system(),
        body_html=parsed.html,
        email_message_id=parsed.message_id[:500],
        follow_up_of_id=ticket.id if ticket is not None else None,
        extra_attachment_ids=attachment_ids,
    )
    reason = f"follow-up of closed ticket {ticket.id}" if ticket is not None else None
    return _Outcome(InboundStatus.PROCESSED, reason, created.id, notes)
