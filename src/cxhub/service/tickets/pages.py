"""The agent's helpdesk pages: the inbox (views, keyboard, bulk actions) and the ticket workspace.

Thin on purpose: parse the form, authorise, call the ticket services, render or redirect. Every
form POSTs back here with the CSRF token and answers with a redirect and a flash (PRG); a change
the status machine or a closed ticket refuses becomes an error flash and the transaction is rolled
back, so a refused form never changes half a ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, Principal, TransactionalRoute
from cxhub.core.db import utcnow
from cxhub.core.errors import DomainError, NotFound
from cxhub.core.pagination import MAX_LIMIT, PageRequest
from cxhub.core.permissions import Permission, role_allows
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.timeline import service as timeline
from cxhub.customers.timeline.models import Channel
from cxhub.people import service as people
from cxhub.people.models import Team, User
from cxhub.service.automations import config as macro_config
from cxhub.service.automations.models import MacroRecord
from cxhub.service.csat import service as csat
from cxhub.service.sla import service as sla
from cxhub.service.tickets import bulk, messages, service
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.filters import filtered_tickets
from cxhub.service.tickets.inbox_views import ALL_TICKETS, DrillFilters, InboxTab, inbox_tabs, utc
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus
from cxhub.service.tickets.reply_draft import (
    MACRO_UNAVAILABLE,
    REPLY_STATUSES,
    ReplyDraft,
    macro_draft,
)
from cxhub.service.tickets.schemas import MessageCreate, TicketUpdate
from cxhub.service.tickets.status import UNSOLVED, IllegalTransition
from cxhub.service.views import service as views
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import FlashLevel, add_flash
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (NavItem("Tickets", "/tickets", Permission.TICKETS_READ, order=5, icon="inbox"),)

CanRead = Annotated[Viewer, page_permission(Permission.TICKETS_READ)]
CanWrite = Annotated[Viewer, page_permission(Permission.TICKETS_WRITE)]

INBOX_PAGE_SIZE = 25
CONTEXT_TIMELINE_SIZE = 10
OTHER_OPEN_TICKETS = 10
S = TicketStatus
UNSOLVED_ORDER = tuple(status for status in TicketStatus if status in UNSOLVED)

# Flash messages (English message ids, translated when shown).
REPLY_SENT = "Reply sent."
NOTE_ADDED = "Internal note added."
TICKET_UPDATED = "Ticket updated."
EMPTY_REPLY = "Write a message before sending."
ILLEGAL_STATUS = "This status change is not allowed."
TICKET_CLOSED = "This ticket is closed and can no longer be changed."
TICKET_MERGED = "This ticket was merged into another ticket."
INVALID_VALUES = "Some values are not valid"
BULK_DONE = "The selected tickets were updated."
BULK_PARTIAL = "Some of the selected tickets could not be changed."
BULK_NOTHING = "Select tickets and a change first."
FLASH_MESSAGES = (
    MACRO_UNAVAILABLE,
    REPLY_SENT,
    NOTE_ADDED,
    TICKET_UPDATED,
    EMPTY_REPLY,
    ILLEGAL_STATUS,
    TICKET_CLOSED,
    TICKET_MERGED,
    INVALID_VALUES,
    BULK_DONE,
    BULK_PARTIAL,
    BULK_NOTHING,
)


# --- the inbox -----------------------------------------------------------------------------------


def _agents(session: Session) -> list[User]:
    """Active people who may work tickets: the choices for an assignee."""
    users = people.list_users(session, page=PageRequest(limit=MAX_LIMIT)).items
    return [u for u in users if u.is_active and role_allows(u.role, Permission.TICKETS_WRITE)]


def _teams(session: Session) -> list[Team]:
    return people.list_teams(session, page=PageRequest(limit=MAX_LIMIT)).items


def _user_names(session: Session) -> dict[int, str]:
    return {
        u.id: u.name for u in people.list_users(session, page=PageRequest(limit=MAX_LIMIT)).items
    }


def _principal(viewer: Viewer) -> Principal:
    assert viewer.principal is not None  # page_permission admits signed-in viewers only
    return viewer.principal


@router.get("/tickets", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: DbSession,
    viewer: CanRead,
    view: Annotated[str, Query(max_length=50)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    channel: Channel | None = None,
    assignee_id: Annotated[int | None, Query(ge=1)] = None,
    sla_breached: bool | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    solved_from: datetime | None = None,
    solved_to: datetime | None = None,
) -> HTMLResponse:
    principal = _principal(viewer)
    tabs = inbox_tabs(session, principal)
    current = next((t for t in tabs if t.key == view), None)
    if current is None:
        current = InboxTab(ALL_TICKETS) if view == ALL_TICKETS.id else tabs[0]
    drill = DrillFilters(
        channel=channel,
        assignee_id=assignee_id,
        sla_breached=sla_breached,
        created_from=utc(created_from),
        created_to=utc(created_to),
        solved_from=utc(solved_from),
        solved_to=utc(solved_to),
    )
    filters = drill.apply(views.ticket_filter(current.view.conditions, user_id=principal.user_id))
    found = filtered_tickets(
        session,
        filters=filters,
        page=PageRequest(limit=INBOX_PAGE_SIZE, cursor=cursor),
        default_sort=current.view.sort,
        load_tags_and_followers=False,  # the inbox shows neither
    )
    requesters = contacts.get_contacts(session, contact_ids={t.requester_id for t in found.items})
    can_write = viewer.can(Permission.TICKETS_WRITE)
    drill_query = drill.query()
    context: dict[str, object] = {
        "tabs": tabs,
        "tab": current,
        "base_href": "/tickets?" + urlencode({"view": current.key, **drill_query}),
        "drill": drill,
        "filtered": bool(drill_query),
        "tickets": found.items,
        "next_cursor": found.next_cursor,
        "cursor": cursor,
        "requester_names": {cid: ContactOut.of(c).name for cid, c in requesters.items()},
        "user_names": _user_names(session),
        "can_write": can_write,
        "agents": _agents(session) if can_write else [],
        "bulk_statuses": REPLY_STATUSES,
    }
    return render(request, "tickets/inbox.html", context)


def _redirect(request: Request, url: str, message: str, level: FlashLevel) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    add_flash(request, response, message, level)
    return response


def _refusal(ticket: Ticket) -> str | None:
    """Why a ticket takes no change at all, said before trying (the services refuse it too)."""
    if ticket.merged_into_id is not None:
        return TICKET_MERGED
    if ticket.status == S.CLOSED:
        return TICKET_CLOSED
    return None


def _failure(session: Session, error: DomainError) -> str:
    """Roll the refused change back and say why, in words the flash can translate."""
    session.rollback()
    return ILLEGAL_STATUS if isinstance(error, IllegalTransition) else INVALID_VALUES


@router.post("/tickets/bulk", dependencies=[CsrfProtected])
def bulk_action(
    request: Request,
    session: DbSession,
    viewer: CanWrite,
    ticket_id: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    assignee: Annotated[str, Form(max_length=20)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    add_tag: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=600)] = "/tickets",
) -> RedirectResponse:
    """The inbox's bulk bar: assign, set status and/or add a tag on the selected tickets."""
    principal = _principal(viewer)
    target = back if back.startswith("/tickets") and not back.startswith("//") else "/tickets"
    changes: dict[str, object] = {}
    try:
        if assignee == "me":
            changes["assignee_id"] = principal.user_id
        elif assignee == "none":
            changes["assignee_id"] = None
        elif assignee:
            changes["assignee_id"] = int(assignee)
        if status:
            changes["status"] = TicketStatus(status)
        if add_tag.strip():
            changes["add_tags"] = [add_tag]
        data = TicketUpdate.model_validate(changes)
    except ValueError:
        return _redirect(request, target, INVALID_VALUES, "error")
    if not ticket_id or not changes:
        return _redirect(request, target, BULK_NOTHING, "error")
    result = bulk.bulk_update_tickets(
        session,
        ticket_ids=ticket_id[: bulk.MAX_BULK_TICKETS],
        data=data,
        actor=Actor.agent(principal.user_id),
    )
    if result.failed:
        return _redirect(request, target, BULK_PARTIAL, "error")
    return _redirect(request, target, BULK_DONE, "success")


# --- the ticket workspace ------------------------------------------------------------------------


def _ticket(session: Session, number: int) -> Ticket:
    ticket = service.get_ticket_by_number(session, number=number)
    if ticket is None:
        raise NotFound(f"ticket #{number} not found")
    return ticket


@router.get("/tickets/{number}", response_class=HTMLResponse)
def workspace(
    request: Request,
    number: int,
    session: DbSession,
    viewer: CanRead,
    macro: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    ticket = _ticket(session, number)
    thread = messages.list_messages(session, ticket_id=ticket.id, page=PageRequest(limit=MAX_LIMIT))
    requester = ContactOut.of(contacts.get_contact(session, contact_id=ticket.requester_id))
    account = (
        accounts.get_account(session, account_id=ticket.account_id) if ticket.account_id else None
    )
    others = service.list_tickets(
        session,
        page=PageRequest(limit=OTHER_OPEN_TICKETS + 1),
        statuses=list(UNSOLVED_ORDER),
        requester_id=ticket.requester_id,
        load_tags_and_followers=False,  # number, subject and status only
    ).items
    can_read_timeline = viewer.can(Permission.INTERACTIONS_READ)
    recent = (
        timeline.contact_timeline(
            session, contact_id=requester.id, page=PageRequest(limit=CONTEXT_TIMELINE_SIZE)
        ).items
        if can_read_timeline
        else []
    )
    can_write = viewer.can(Permission.TICKETS_WRITE)
    editable = can_write and ticket.status != S.CLOSED and ticket.merged_into_id is None
    survey = csat.ticket_csat(session, ticket_id=ticket.id)
    draft = ReplyDraft()
    if editable and macro is not None:
        draft = macro_draft(session, ticket, macro, _principal(viewer).user_id)
    context: dict[str, object] = {
        "ticket": ticket,
        "sla_targets": sla.running_targets(session, ticket_id=ticket.id, now=utcnow()),
        "csat": survey if survey is not None and survey.score is not None else None,
        "macros": [r for r in macro_config.list_rules(session, MacroRecord) if r.active]
        if editable
        else [],
        "draft": draft,
        "thread": thread.items,
        "thread_truncated": thread.next_cursor is not None,
        "requester": requester,
        "account": account,
        "other_tickets": [t for t in others if t.id != ticket.id][:OTHER_OPEN_TICKETS],
        "can_read_timeline": can_read_timeline,
        "timeline_items": recent,
        "user_names": _user_names(session),
        "teams": _teams(session),
        "agents": _agents(session) if can_write else [],
        "can_write": can_write,
        "editable": editable,
        "statuses": list(TicketStatus),
        "priorities": list(TicketPriority),
        "reply_statuses": REPLY_STATUSES,
    }
    return render(request, "tickets/workspace.html", context)


@router.post("/tickets/{number}/reply", dependencies=[CsrfProtected])
def reply(
    request: Request,
    number: int,
    session: DbSession,
    viewer: CanWrite,
    body: Annotated[str, Form(max_length=200_000)] = "",
    visibility: Annotated[str, Form(max_length=20)] = "public",
    status: Annotated[str, Form(max_length=20)] = "",
) -> RedirectResponse:
    """A public reply or an internal note, optionally submitting the ticket as open/pending/solved."""
    ticket = _ticket(session, number)
    url = f"/tickets/{ticket.number}"
    refusal = _refusal(ticket)
    if refusal is not None:
        return _redirect(request, url, refusal, "error")
    if not body.strip():
        return _redirect(request, url, EMPTY_REPLY, "error")
    try:
        target = TicketStatus(status) if status else None
        if target is not None and target not in REPLY_STATUSES:
            raise ValueError(status)
        data = MessageCreate(body=body, public=visibility != "internal", status=target)
    except ValueError:
        return _redirect(request, url, INVALID_VALUES, "error")
    try:
        messages.add_message(
            session, ticket_id=ticket.id, data=data, actor=Actor.agent(_principal(viewer).user_id)
        )
    except DomainError as error:
        return _redirect(request, url, _failure(session, error), "error")
    return _redirect(request, url, REPLY_SENT if data.public else NOTE_ADDED, "success")


def _optional_id(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


@router.post("/tickets/{number}/fields", dependencies=[CsrfProtected])
def update_fields(
    request: Request,
    number: int,
    session: DbSession,
    viewer: CanWrite,
    status: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=20)] = "",
    ticket_type: Annotated[str, Form(max_length=64)] = "",
    assignee_id: Annotated[str, Form(max_length=20)] = "",
    team_id: Annotated[str, Form(max_length=20)] = "",
    tags: Annotated[str, Form(max_length=5000)] = "",
) -> RedirectResponse:
    """The side panel's form: only the fields whose value changed are sent to the service."""
    ticket = _ticket(session, number)
    url = f"/tickets/{ticket.number}"
    refusal = _refusal(ticket)
    if refusal is not None:
        return _redirect(request, url, refusal, "error")
    try:
        wanted: dict[str, object] = {
            "status": TicketStatus(status) if status else ticket.status,
            "priority": TicketPriority(priority) if priority else ticket.priority,
            "ticket_type": ticket_type.strip() or None,
            "assignee_id": _optional_id(assignee_id),
            "team_id": _optional_id(team_id),
            "tags": [t for t in tags.replace(",", " ").split() if t],
        }
        data = TicketUpdate.model_validate(wanted)
    except ValueError:
        return _redirect(request, url, INVALID_VALUES, "error")
    current = {
        "status": ticket.status,
        "priority": ticket.priority,
        "ticket_type": ticket.ticket_type,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "tags": sorted(ticket.tags),
    }
    data.tags = sorted(data.tags or [])
    changed = {name for name in current if getattr(data, name) != current[name]}
    if not changed:
        return _redirect(request, url, TICKET_UPDATED, "success")
    try:
        service.update_ticket(
            session,
            ticket_id=ticket.id,
            data=TicketUpdate.model_validate(data.model_dump(include=changed)),
            actor=Actor.agent(_principal(viewer).user_id),
        )
    except DomainError as error:
        return _redirect(request, url, _failure(session, error), "error")
    return _redirect(request, url, TICKET_UPDATED, "success")
