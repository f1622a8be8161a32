"""Webhook channel sources: configuration, signature checks, inbound messages, outbound replies.

A source is authenticated by its secret alone: the integration signs the raw request body with
HMAC-SHA256 and sends `X-Cxhub-Signature: sha256=<hex>`. The inbound route knows no workspace
until it has found the source, so the lookup by id skips the workspace filter and then scopes
the session to the source's workspace (as the CSAT link does, ADR 0006).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.errors import AuthenticationRequired, Conflict, NotFound
from cxhub.customers.timeline.models import Channel
from cxhub.service.channels.inbound import InboundAuthor, InboundResult, receive_inbound
from cxhub.service.channels.models import (
    ChannelKind,
    ChannelReceipt,
    ChannelSource,
    ChannelThread,
)
from cxhub.service.channels.schemas import (
    ChannelSourceCreate,
    ChannelSourceUpdate,
    InboundMessageIn,
    OutboundMessageOut,
    OutboundPage,
)
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage

SIGNATURE_HEADER = "X-Cxhub-Signature"
SIGNATURE_PREFIX = "sha256="
OUTBOUND_LIMIT = 100

CHANNEL_OF_KIND = {
    ChannelKind.CHAT: Channel.CHAT,
    ChannelKind.SOCIAL: Channel.SOCIAL,
    ChannelKind.SMS: Channel.SMS,
    ChannelKind.OTHER: Channel.OTHER,
}


def sign(secret: str, body: bytes) -> str:
    """The header value an integration sends: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = sign(secret, body)
    return hmac.compare_digest(
        header.strip().lower().encode("utf-8", "surrogatepass"), expected.encode("ascii")
    )


def list_sources(session: Session) -> list[ChannelSource]:
    return list(session.scalars(select(ChannelSource).order_by(ChannelSource.id)))


def get_source(session: Session, *, source_id: int) -> ChannelSource:
    source = session.scalar(select(ChannelSource).where(ChannelSource.id == source_id))
    if source is None:
        raise NotFound(f"channel {source_id} not found")
    return source


def _name_taken(session: Session, name: str, *, except_id: int | None = None) -> None:
    found = session.scalar(select(ChannelSource.id).where(ChannelSource.name == name))
    if found is not None and found != except_id:
        raise Conflict(f"a channel named {name!r} already exists", field="name")


def create_source(
    session: Session, *, workspace_id: int, data: ChannelSourceCreate
) -> ChannelSource:
    _name_taken(session, data.name)
    source = ChannelSource(
        workspace_id=workspace_id,
        name=data.name,
        kind=data.kind,
        active=data.active,
        secret=secrets.token_urlsafe(32),
    )
    try:
        with session.begin_nested():
            session.add(source)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a channel named {data.name!r} already exists", field="name") from None
    return source


def update_source(session: Session, *, source_id: int, data: ChannelSourceUpdate) -> ChannelSource:
    source = get_source(session, source_id=source_id)
    if data.name is not None:
        name = " ".join(data.name.split())
        _name_taken(session, name, except_id=source.id)
        source.name = name
    if data.kind is not None:
        source.kind = data.kind
    if data.active is not None:
        source.active = data.active
    session.flush()
    return source


def delete_source(session: Session, *, source_id: int) -> None:
    """Remove the source and its thread mappings; the tickets it created stay."""
    source = get_source(session, source_id=source_id)
    session.execute(delete(ChannelThread).where(ChannelThread.channel_source_id == source.id))
    session.execute(delete(ChannelReceipt).where(ChannelReceipt.channel_source_id == source.id))
    session.delete(source)
    session.flush()


def open_inbound_source(session: Session, *, source_id: int) -> ChannelSource:
    """Find an active source before any workspace is known, and scope `session` to its
    workspace: from here on every query is filtered to that workspace only."""
    source = session.scalar(
        select(ChannelSource)
        .where(ChannelSource.id == source_id)
        .execution_options(skip_workspace_filter=True)
    )
    if source is None or not source.active:
        raise NotFound(f"channel {source_id} not found")
    session.info["workspace_id"] = source.workspace_id
    return source


def verify_inbound(source: ChannelSource, *, body: bytes, signature: str | None) -> None:
    if not signature_valid(source.secret, body, signature):
        raise AuthenticationRequired(
            f"missing or wrong {SIGNATURE_HEADER}; sign the raw body with the channel secret"
        )


def receive_webhook(
    session: Session, *, source: ChannelSource, data: InboundMessageIn
) -> InboundResult:
    """An inbound message from a webhook source. The author's platform id is kept as a social
    handle scoped to this source (`channel-<id>:<external id>`), so two platforms' user ids
    never collide."""
    author = data.author
    social = author.social_handle
    if social is None and author.external_id:
        social = f"channel-{source.id}:{author.external_id}"
    return receive_inbound(
        session,
        workspace_id=source.workspace_id,
        channel=CHANNEL_OF_KIND[source.kind],
        source=source,
        thread_key=data.thread_id,
        author=InboundAuthor(
            name=author.name, email=author.email, phone=author.phone, social_handle=social
        ),
        text=data.text,
        occurred_at=data.occurred_at,
        external_message_id=data.message_id,
        subject=data.subject,
    )


def outbound_messages(
    session: Session, *, source_id: int, since_id: int = 0, limit: int = OUTBOUND_LIMIT
) -> OutboundPage:
    """Public agent replies on the tickets this source's conversations feed, oldest first."""
    source = get_source(session, source_id=source_id)
    rows = session.execute(
        select(TicketMessage, Ticket.number, ChannelThread.thread_key)
        .join(ChannelThread, ChannelThread.ticket_id == TicketMessage.ticket_id)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(
            ChannelThread.channel_source_id == source.id,
            TicketMessage.is_public.is_(True),
            TicketMessage.author_kind == AuthorKind.AGENT,
            TicketMessage.id > since_id,
        )
        .order_by(TicketMessage.id)
        .limit(limit)
    ).all()
    items = [
        OutboundMessageOut(
            id=message.id,
            ticket_id=message.ticket_id,
            ticket_number=number,
            thread_id=thread_key,
            author_user_id=message.author_user_id,
            body=message.body_text,
            created_at=message.created_at,
        )
        for message, number, thread_key in rows
    ]
    return OutboundPage(items=items, next_since_id=items[-1].id if items else since_id)
