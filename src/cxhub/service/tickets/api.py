"""Ticket routes: the REST face of the helpdesk (`/api/v1/tickets…`, `/api/v1/attachments…`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets import attachments, bulk, listing, merge, messages, service
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.models import TicketPriority, TicketStatus
from cxhub.service.tickets.schemas import (
    AttachmentOut,
    BulkFailureOut,
    BulkUpdateOut,
    BulkUpdateRequest,
    MergeTicketsRequest,
    MessageCreate,
    MessageOut,
    TicketCreate,
    TicketOut,
    TicketUpdate,
)
from cxhub.service.tickets.search_text import MAX_QUERY_CHARS

router = APIRouter(route_class=TransactionalRoute, tags=["tickets"])


def _store(request: Request) -> attachments.AttachmentStore:
    return attachments.AttachmentStore(get_runtime(request).settings.data_dir / "attachments")


@router.get("/tickets", response_model=PageOut[TicketOut])
def list_tickets(
    session: DbSession,
    page: PageParams,
    status_: Annotated[list[TicketStatus] | None, Query(alias="status")] = None,
    priority: Annotated[list[TicketPriority] | None, Query()] = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    team_id: int | None = None,
    requester_id: int | None = None,
    account_id: int | None = None,
    tag: str | None = None,
    channel: Channel | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="Full-text search of subject and thread: words (all must match), "
            '`print*` prefixes, `"quoted phrases"`.',
        ),
    ] = None,
    _: Principal = require(Permission.TICKETS_READ),
) -> PageOut[TicketOut]:
    """Tickets, newest activity first (`sort=-updated_at`); repeat `status`/`priority` to match
    any of several values; `q` searches (sorted like the list, not by relevance). Merged
    tickets and spam are left out."""
    result = service.list_tickets(
        session,
        page=page,
        statuses=status_,
        priorities=priority,
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=team_id,
        requester_id=requester_id,
        account_id=account_id,
        tag=tag,
        channel=channel,
        q=q,
        load_tags_and_followers=False,
    )
    return PageOut(items=listing.ticket_outs(session, result.items), next_cursor=result.next_cursor)


@router.post(
    "/tickets",
    response_model=TicketOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TicketOut, "description": "Known external_id: the stored ticket"}},
)
def create_ticket(
    data: TicketCreate,
    session: DbSession,
    response: Response,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> TicketOut:
    """Open a ticket; the `description` becomes the requester's first message. A known
    `external_id` returns the existing ticket with 200."""
    ticket, created = service.create_ticket(
        session,
        workspace_id=principal.workspace_id,
        data=data,
        actor=Actor.agent(principal.user_id),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return TicketOut.of(ticket)


# Declared before the `/tickets/{ticket_id}` routes so "bulk" is never read as a ticket id.
@router.post("/tickets/bulk", response_model=BulkUpdateOut)
def bulk_update(
    data: BulkUpdateRequest,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> BulkUpdateOut:
    """Apply the same `changes` (a ticket update) to up to 100 tickets. Each ticket succeeds or
    fails on its own: failures (an illegal status move, a closed ticket, an unknown id) are
    listed in `failed` with their problem type, and the other tickets keep their change."""
    result = bulk.bulk_update_tickets(
        session,
        ticket_ids=data.ticket_ids,
        data=data.changes,
        actor=Actor.agent(principal.user_id),
    )
    return BulkUpdateOut(
        updated=result.updated,
        failed=[
            BulkFailureOut(ticket_id=f.ticket_id, type=f.type, detail=f.detail)
            for f in result.failed
        ],
    )


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(
    ticket_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> TicketOut:
    # tags and followers as plain rows, not through the ticket's relationships (issue 7)
    return listing.ticket_outs(session, [service.get_ticket(session, ticket_id=ticket_id)])[0]


@router.patch("/tickets/{ticket_id}", response_model=TicketOut)
def update_ticket(
    ticket_id: int,
    data: TicketUpdate,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> TicketOut:
    """Change fields, status (409 `illegal-status-transition` when the move is not allowed),
    assignment, tags, custom fields or followers."""
    ticket = service.update_ticket(
        session, ticket_id=ticket_id, data=data, actor=Actor.agent(principal.user_id)
    )
    return TicketOut.of(ticket)


@router.get("/tickets/{ticket_id}/messages", response_model=PageOut[MessageOut])
def list_messages(
    ticket_id: int,
    session: DbSession,
    page: PageParams,
    _: Principal = require(Permission.TICKETS_READ),
) -> PageOut[MessageOut]:
    """The thread, oldest first (internal notes included)."""
    result = messages.list_messages(session, ticket_id=ticket_id, page=page, load_attachments=False)
    return PageOut(
        items=listing.message_outs(session, result.items), next_cursor=result.next_cursor
    )


@router.post(
    "/tickets/{ticket_id}/messages", response_model=MessageOut, status_code=status.HTTP_201_CREATED
)
def add_message(
    ticket_id: int,
    data: MessageCreate,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> MessageOut:
    """Reply publicly (`public: true`), add an internal note (`public: false`), or record a
    message from the requester (`as_customer: true`); `status` changes the status in the same
    step."""
    message = messages.add_message(
        session, ticket_id=ticket_id, data=data, actor=Actor.agent(principal.user_id)
    )
    return MessageOut.of(message)


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut)
def merge_tickets(
    ticket_id: int,
    data: MergeTicketsRequest,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_MANAGE),
) -> TicketOut:
    """Fold the `source_ids` tickets into this one: their threads move here, they close and
    point to this ticket (`merged_into_id`)."""
    ticket = merge.merge_tickets(
        session,
        target_id=ticket_id,
        source_ids=data.source_ids,
        actor=Actor.agent(principal.user_id),
    )
    return TicketOut.of(ticket)


@router.post("/tickets/{ticket_id}/spam", response_model=TicketOut)
def mark_spam(
    ticket_id: int, session: DbSession, principal: Principal = require(Permission.TICKETS_MANAGE)
) -> TicketOut:
    """Close the ticket as spam and hide it from every view."""
    return TicketOut.of(
        merge.mark_spam(session, ticket_id=ticket_id, actor=Actor.agent(principal.user_id))
    )


@router.post("/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED)
def upload_attachment(
    request: Request,
    file: UploadFile,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> AttachmentOut:
    """Upload a file (multipart field `file`); pass the returned id in `attachment_ids` of a
    new ticket or message. 413 `attachment-too-large` above the configured limit."""
    limit = get_runtime(request).settings.attachment_max_bytes
    content = file.file.read(limit + 1)
    attachment = attachments.store_attachment(
        session,
        store=_store(request),
        workspace_id=principal.workspace_id,
        filename=file.filename or "attachment",
        content_type=file.content_type or "application/octet-stream",
        content=content,
        max_bytes=limit,
    )
    return AttachmentOut.of(attachment)


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    attachment_id: int,
    request: Request,
    session: DbSession,
    _: Principal = require(Permission.TICKETS_READ),
) -> Response:
    """The file, always as a download (never rendered inline, so uploaded HTML cannot run)."""
    attachment = attachments.get_attachment(session, attachment_id=attachment_id)
    content = _store(request).read(attachment.sha256)
    return Response(
        content=content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename, safe="")
