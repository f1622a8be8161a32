"""Channel routes: webhook channel configuration (`/channels`), the signed inbound webhook and
its outbound poll, phone call logging (`/calls`) and the public ticket route (`/public/…`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import ValidationError

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.service.channels import calls, service, webform
from cxhub.service.channels.schemas import (
    CallCreate,
    CallOut,
    ChannelSourceCreate,
    ChannelSourceCreated,
    ChannelSourceOut,
    ChannelSourceUpdate,
    InboundMessageIn,
    InboundOut,
    OutboundPage,
    PublicTicketIn,
    PublicTicketOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["channels"])


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.get("/channels", response_model=list[ChannelSourceOut])
def list_channels(
    session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> list[ChannelSourceOut]:
    """The workspace's webhook channels (their secrets are never shown again)."""
    return [ChannelSourceOut.of(source) for source in service.list_sources(session)]


@router.post("/channels", response_model=ChannelSourceCreated, status_code=status.HTTP_201_CREATED)
def create_channel(
    data: ChannelSourceCreate,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> ChannelSourceCreated:
    """A webhook channel; the response carries its signing `secret`, shown this once."""
    source = service.create_source(session, workspace_id=principal.workspace_id, data=data)
    return ChannelSourceCreated(**ChannelSourceOut.of(source).model_dump(), secret=source.secret)


@router.get("/channels/{channel_id}", response_model=ChannelSourceOut)
def get_channel(
    channel_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> ChannelSourceOut:
    return ChannelSourceOut.of(service.get_source(session, source_id=channel_id))


@router.patch("/channels/{channel_id}", response_model=ChannelSourceOut)
def update_channel(
    channel_id: int,
    data: ChannelSourceUpdate,
    session: DbSession,
    _: Principal = require(Permission.SERVICE_CONFIGURE),
) -> ChannelSourceOut:
    """Rename, change the kind, or switch off (`active: false`: the inbound route answers 404)."""
    return ChannelSourceOut.of(service.update_source(session, source_id=channel_id, data=data))


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(
    channel_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    """Delete the channel and its conversation mappings; its tickets stay."""
    service.delete_source(session, source_id=channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/channels/{channel_id}/inbound",
    response_model=InboundOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": InboundOut, "description": "A re-sent message_id: nothing was added."}
    },
)
def receive_inbound_message(
    channel_id: int,
    session: DbSession,
    response: Response,
    body: Annotated[bytes, Depends(raw_body)],
    signature: Annotated[str | None, Header(alias=service.SIGNATURE_HEADER)] = None,
) -> InboundOut:
    """A customer message from the integration, signed with the channel secret
    (`X-Cxhub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`); no API token. The thread
    decides the ticket: new conversation → new ticket, closed ticket → follow-up."""
    source = service.open_inbound_source(session, source_id=channel_id)
    service.verify_inbound(source, body=body, signature=signature)
    try:
        data = InboundMessageIn.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise ValidationFailed("the message body is not valid", errors=errors) from None
    result = service.receive_webhook(session, source=source, data=data)
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return InboundOut(
        ticket_id=result.ticket.id,
        ticket_number=result.ticket.number,
        message_id=result.message.id,
        created_ticket=result.created_ticket,
        duplicate=result.duplicate,
    )


@router.get("/channels/{channel_id}/outbound", response_model=OutboundPage)
def outbound_messages(
    channel_id: int,
    session: DbSession,
    since_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.OUTBOUND_LIMIT)] = service.OUTBOUND_LIMIT,
    _: Principal = require(Permission.TICKETS_READ),
) -> OutboundPage:
    """Public agent replies on this channel's conversations after `since_id`, oldest first,
    for the integration to deliver (poll with the last `next_since_id`)."""
    return service.outbound_messages(session, source_id=channel_id, since_id=since_id, limit=limit)


@router.post("/calls", response_model=CallOut, status_code=status.HTTP_201_CREATED)
def log_call(
    data: CallCreate, session: DbSession, principal: Principal = require(Permission.TICKETS_WRITE)
) -> CallOut:
    """Log a phone call on the caller's timeline; with `ticket_id` the notes become an internal
    note there, with `create_ticket` they open a phone ticket."""
    logged = calls.log_call(
        session, workspace_id=principal.workspace_id, data=data, user_id=principal.user_id
    )
    return CallOut(
        interaction_id=logged.interaction.id,
        contact_id=logged.contact_id,
        ticket_id=logged.ticket.id if logged.ticket else None,
        ticket_number=logged.ticket.number if logged.ticket else None,
        created_ticket=logged.created_ticket,
        note_message_id=logged.note.id if logged.note else None,
    )


@router.post(
    "/public/{workspace_slug}/tickets",
    response_model=PublicTicketOut,
    status_code=status.HTTP_201_CREATED,
)
def create_public_ticket(
    workspace_slug: str, data: PublicTicketIn, request: Request, session: DbSession
) -> PublicTicketOut:
    """A ticket from a site's own form; no sign-in. Limits as the `/support` page: 5 per 10
    minutes per client IP (429 `rate-limited` with `Retry-After`), a `website` honeypot and at
    most 3 links (400 `form-rejected`)."""
    workspace = webform.open_support_workspace(session, workspace_slug)
    limiter = webform.submission_limiter(request.app.state)
    limiter.check(
        webform.limiter_key(workspace.slug, request.client.host if request.client else None)
    )
    result = webform.submit_support_request(
        session,
        workspace=workspace,
        request=webform.SupportRequest(
            name=data.name,
            email=data.email,
            subject=data.subject,
            description=data.description,
            honeypot=data.website,
        ),
    )
    return PublicTicketOut(ticket_number=result.ticket.number)
