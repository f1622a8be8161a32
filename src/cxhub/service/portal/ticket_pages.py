"""The signed-in customer's pages: my tickets, a ticket's public thread, reply, new, rate.

Every ticket is looked up through `access.visible_ticket` with the signed-in contact, so a
ticket of someone else (or of another workspace) is a 404 page, never a 403.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import ValidationFailed
from cxhub.service.portal import access, throttle
from cxhub.service.portal import tickets as portal_tickets
from cxhub.service.portal.permissions import Customer, PortalCsrf, PortalCustomer
from cxhub.service.portal.uploads import UploadRefused, store_uploads
from cxhub.service.tickets.attachments import AttachmentStore
from cxhub.service.tickets.models import Ticket, TicketStatus
from cxhub.web.flash import add_flash
from cxhub.web.shell import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

LIMITS = {"subject": 500, "description": 20_000, "body": 20_000, "comment": 5_000}
MISSING = "Please fill in every field."
TOO_MANY = "Too many requests. Please try again in a few minutes."
TOO_LONG = "Your message is too long."
CLOSED = "This ticket is closed. Open a new request if you need more help."
SENT = "Your reply was sent."
RATED = "Thank you for your feedback!"
STATUS_LABELS = {
    TicketStatus.NEW: "Received",
    TicketStatus.OPEN: "In progress",
    TicketStatus.PENDING: "Waiting for your reply",
    TicketStatus.ON_HOLD: "In progress",
    TicketStatus.SOLVED: "Solved",
    TicketStatus.CLOSED: "Closed",
}
Files = Annotated[list[UploadFile] | None, File()]
Number = Annotated[int, Path(ge=1, le=2_147_483_647)]
CANNOT_RATE = "This ticket can no longer be rated."


def _page(
    request: Request,
    customer: PortalCustomer,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    values = {
        "visit": customer.visit,
        "customer": customer,
        "csrf_token": customer.csrf_token,
        "status_labels": STATUS_LABELS,
        **context,
    }
    return render(request, template, values, status_code=status_code)


def _ticket(session: Session, customer: PortalCustomer, number: int) -> Ticket:
    return access.visible_ticket(
        session, contact=customer.contact, role=customer.role, number=number
    )


def _over_limit(request: Request, customer: PortalCustomer) -> bool:
    decision = throttle.contact_write(
        request, workspace_id=customer.visit.workspace_id, contact_id=customer.contact.id
    )
    return not decision.allowed


def _uploads(
    request: Request, session: Session, customer: PortalCustomer, files: Files
) -> list[int]:
    settings = get_runtime(request).settings
    return store_uploads(
        session,
        uploads=files or [],
        workspace_id=customer.visit.workspace_id,
        data_dir=settings.data_dir,
        max_bytes=int(settings.attachment_max_bytes),
    )


@router.get("/portal/{workspace_slug}/tickets", response_class=HTMLResponse)
def my_tickets(
    request: Request,
    customer: Customer,
    session: DbSession,
    scope: Literal["mine", "account"] = "mine",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    """The customer's requests, 25 a page, most recently updated first ("Older requests")."""
    can_see_account = access.sees_account_tickets(customer.contact, customer.role)
    page = access.page_visible_tickets(
        session,
        contact=customer.contact,
        role=customer.role,
        whole_account=scope == "account" and can_see_account,
        cursor=cursor,
    )
    return _page(
        request,
        customer,
        "portal/tickets.html",
        {
            "tickets": page.items,
            "next_cursor": page.next_cursor,
            "paged": cursor is not None,
            "scope": scope,
            "can_see_account": can_see_account,
        },
    )


def _new_form(
    request: Request,
    customer: PortalCustomer,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_params: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        customer,
        "portal/new_ticket.html",
        {
            "values": {key: (values or {}).get(key, "") for key in ("subject", "description")},
            "search_id": (values or {}).get("search_id", ""),
            "error": error,
            "error_params": error_params or {},
            "limits": LIMITS,
        },
        status_code=status_code,
    )


@router.get("/portal/{workspace_slug}/tickets/new", response_class=HTMLResponse)
def new_ticket_form(request: Request, customer: Customer) -> HTMLResponse:
    return _new_form(request, customer)


@router.post("/portal/{workspace_slug}/tickets", response_model=None, dependencies=[PortalCsrf])
def submit_ticket(
    request: Request,
    customer: Customer,
    session: DbSession,
    subject: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    search_id: Annotated[str, Form(max_length=64)] = "",
    files: Files = None,
) -> Response:
    values = {"subject": subject, "description": description, "search_id": search_id}
    if _over_limit(request, customer):
        return _new_form(request, customer, values=values, error=TOO_MANY, status_code=429)
    if not subject.strip() or not description.strip():
        return _new_form(request, customer, values=values, error=MISSING, status_code=400)
    if len(subject) > LIMITS["subject"] or len(description) > LIMITS["description"]:
        return _new_form(request, customer, values=values, error=TOO_LONG, status_code=400)
    try:
        attachment_ids = _uploads(request, session, customer, files)
    except UploadRefused as exc:
        return _new_form(
            request,
            customer,
            values=values,
            error=exc.message,
            error_params=exc.params,
            status_code=400,
        )
    ticket = portal_tickets.submit_ticket(
        session,
        contact=customer.contact,
        subject=subject,
        description=description,
        language=request.state.viewer.language,
        attachment_ids=attachment_ids,
        search_id=search_id,
    )
    return RedirectResponse(customer.visit.path(f"/tickets/{ticket.number}"), status_code=303)


def _ticket_page(
    request: Request,
    customer: PortalCustomer,
    session: Session,
    ticket: Ticket,
    *,
    error: str | None = None,
    error_params: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    is_requester = ticket.requester_id == customer.contact.id
    return _page(
        request,
        customer,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "thread": portal_tickets.public_thread(session, ticket=ticket),
            "rating": portal_tickets.rating_of(session, ticket=ticket),
            "can_reply": is_requester and ticket.status != TicketStatus.CLOSED,
            "can_rate": is_requester and ticket.status in portal_tickets.RATEABLE,
            "error": error,
            "error_params": error_params or {},
            "limits": LIMITS,
        },
        status_code=status_code,
    )


@router.get("/portal/{workspace_slug}/tickets/{number}", response_class=HTMLResponse)
def ticket_page(
    request: Request, number: Number, customer: Customer, session: DbSession
) -> HTMLResponse:
    return _ticket_page(request, customer, session, _ticket(session, customer, number))


@router.post(
    "/portal/{workspace_slug}/tickets/{number}/reply",
    response_model=None,
    dependencies=[PortalCsrf],
)
def reply(
    request: Request,
    number: Number,
    customer: Customer,
    session: DbSession,
    body: Annotated[str, Form()] = "",
    files: Files = None,
) -> Response:
    ticket = _ticket(session, customer, number)
    if _over_limit(request, customer):
        return _ticket_page(request, customer, session, ticket, error=TOO_MANY, status_code=429)
    if not body.strip():
        return _ticket_page(request, customer, session, ticket, error=MISSING, status_code=400)
    if len(body) > LIMITS["body"]:
        return _ticket_page(request, customer, session, ticket, error=TOO_LONG, status_code=400)
    if ticket.status == TicketStatus.CLOSED:
        return _ticket_page(request, customer, session, ticket, error=CLOSED, status_code=409)
    try:
        attachment_ids = _uploads(request, session, customer, files)
    except UploadRefused as exc:
        return _ticket_page(
            request,
            customer,
            session,
            ticket,
            error=exc.message,
            error_params=exc.params,
            status_code=400,
        )
    portal_tickets.reply(
        session, ticket=ticket, contact=customer.contact, body=body, attachment_ids=attachment_ids
    )
    response = RedirectResponse(customer.visit.path(f"/tickets/{number}"), status_code=303)
    add_flash(request, response, SENT, "success")
    return response


@router.post(
    "/portal/{workspace_slug}/tickets/{number}/rating",
    response_model=None,
    dependencies=[PortalCsrf],
)
def rate(
    request: Request,
    number: Number,
    customer: Customer,
    session: DbSession,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    ticket = _ticket(session, customer, number)
    if _over_limit(request, customer):
        return _ticket_page(request, customer, session, ticket, error=TOO_MANY, status_code=429)
    try:
        portal_tickets.rate(
            session, ticket=ticket, contact=customer.contact, score=score, comment=comment
        )
    except ValidationFailed:
        return _ticket_page(request, customer, session, ticket, error=CANNOT_RATE, status_code=400)
    response = RedirectResponse(customer.visit.path(f"/tickets/{number}"), status_code=303)
    add_flash(request, response, RATED, "success")
    return response


@router.get(
    "/portal/{workspace_slug}/tickets/{number}/attachments/{attachment_id}",
    response_model=None,
)
def download(
    request: Request, number: Number, attachment_id: Number, customer: Customer, session: DbSession
) -> Response:
    """A file of the public thread, always as a download (never rendered inline)."""
    ticket = _ticket(session, customer, number)
    attachment = portal_tickets.public_attachment(
        session, ticket=ticket, attachment_id=attachment_id
    )
    store = AttachmentStore(get_runtime(request).settings.data_dir / "attachments")
    return Response(
        content=store.read(attachment.sha256),
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
