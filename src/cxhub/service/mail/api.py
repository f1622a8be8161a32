"""E-mail channel routes: mailboxes, the raw-MIME endpoint for relays, the inbound log, and
re-sending a reply whose delivery failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.errors import DomainError
from cxhub.core.permissions import Permission
from cxhub.service.mail import inbound, mailboxes, outbound
from cxhub.service.mail.models import InboundStatus
from cxhub.service.mail.schemas import InboundAccepted, InboundOut, MailboxCreate, MailboxOut
from cxhub.service.tickets.schemas import MessageOut

router = APIRouter(route_class=TransactionalRoute, tags=["mail"])

RFC822 = "message/rfc822"


class UnsupportedMediaType(DomainError):
    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported media type"


class MessageTooLarge(DomainError):
    status = 413
    type_slug = "message-too-large"
    title = "Message too large"


async def raw_message(request: Request) -> bytes:
    """The request body as bytes, refusing other media types and oversize messages."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != RFC822:
        raise UnsupportedMediaType(f"send the raw message as Content-Type: {RFC822}")
    limit = get_runtime(request).settings.mail_max_message_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise MessageTooLarge(f"the message is larger than {limit} bytes", max_bytes=limit)
    if not body:
        raise UnsupportedMediaType("the message is empty")
    return bytes(body)


@router.get("/mailboxes", response_model=list[MailboxOut])
def list_mailboxes(
    session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> list[MailboxOut]:
    """The workspace's support addresses; replies are sent from the default one."""
    return [MailboxOut.of(m) for m in mailboxes.list_mailboxes(session)]


@router.post("/mailboxes", response_model=MailboxOut, status_code=status.HTTP_201_CREATED)
def create_mailbox(
    data: MailboxCreate,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> MailboxOut:
    """Add a support address (409 when any workspace already has it). Mail to it, and to its
    `+tag` variants, becomes tickets of this workspace."""
    mailbox = mailboxes.create_mailbox(session, workspace_id=principal.workspace_id, data=data)
    return MailboxOut.of(mailbox)


@router.delete("/mailboxes/{mailbox_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_mailbox(
    mailbox_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    mailboxes.delete_mailbox(session, mailbox_id=mailbox_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/mail/inbound", response_model=InboundAccepted, status_code=status.HTTP_202_ACCEPTED)
def post_inbound(
    session: DbSession,
    principal: Annotated[Principal, require(Permission.TICKETS_WRITE)],
    raw: Annotated[bytes, Depends(raw_message)],
) -> InboundAccepted:
    """Store a raw message (`Content-Type: message/rfc822`) for this workspace; it is processed
    after the commit (the answer's `status` is `received`)."""
    row = inbound.store_inbound_for_workspace(session, workspace_id=principal.workspace_id, raw=raw)
    return InboundAccepted(id=row.id, status=row.status)


@router.get("/mail/inbound", response_model=PageOut[InboundOut])
def list_inbound(
    session: DbSession,
    page: PageParams,
    status_: Annotated[InboundStatus | None, Query(alias="status")] = None,
    _: Principal = require(Permission.SERVICE_CONFIGURE),
) -> PageOut[InboundOut]:
    """Received mail, newest first; `status=quarantined` lists what needs an admin."""
    result = inbound.list_inbound(session, page=page, status=status_)
    return PageOut(items=[InboundOut.of(r) for r in result.items], next_cursor=result.next_cursor)


@router.get("/mail/inbound/{inbound_id}", response_model=InboundOut)
def get_inbound(
    inbound_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> InboundOut:
    return InboundOut.of(inbound.get_inbound(session, inbound_id=inbound_id))


@router.post("/mail/inbound/{inbound_id}/retry", response_model=InboundOut)
def retry_inbound(
    inbound_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> InboundOut:
    """Process a quarantined message again (409 for any other status)."""
    return InboundOut.of(inbound.retry_inbound(session, inbound_id=inbound_id))


@router.post("/tickets/{ticket_id}/messages/{message_id}/resend", response_model=MessageOut)
def resend_message(
    ticket_id: int,
    message_id: int,
    session: DbSession,
    _: Principal = require(Permission.TICKETS_WRITE),
) -> MessageOut:
    """Queue a reply whose e-mail delivery failed again (409 unless it failed)."""
    message = outbound.resend_message(session, ticket_id=ticket_id, message_id=message_id)
    return MessageOut.of(message)
