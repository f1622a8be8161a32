"""The next-best-action panel of the customer 360 pages (contact and account) and its forms.

The contact and account pages hold an empty panel that `app.js` fills with this fragment
(without JavaScript the panel's link opens it alone), so the customer record knows no feature.
The take / dismiss / snooze and outcome forms post here (CSRF-checked) and send the browser back
to the customer's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.experience.nextaction import service
from cxhub.experience.nextaction.messages import MESSAGES as MESSAGES
from cxhub.experience.nextaction.service import DecisionStatus, Outcome
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.shell import Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

CanRead = Annotated[Viewer, page_permission(Permission.CUSTOMERS_READ)]
CanWrite = Annotated[Viewer, page_permission(Permission.CUSTOMERS_WRITE)]
PANEL_SIZE = 10
#: Where a form may send the browser back to: a customer page of this app, nothing else.
BACK_PATTERN = r"^/(contacts|accounts)/[0-9]+$"
SNOOZE_DAYS = 7

DECIDED = {
    DecisionStatus.TAKEN: "Action marked as taken.",
    DecisionStatus.DISMISSED: "Action dismissed.",
    DecisionStatus.SNOOZED: "Action snoozed for 7 days.",
}
KIND_LABELS = {
    "reply_ticket": "Reply to the ticket",
    "call_detractor": "Call the detractor",
    "start_renewal": "Start the renewal",
    "reengage_sentiment": "Re-engage",
    "offer_expansion": "Offer more seats",
    "send_guide": "Send the guide",
}
STATUS_LABELS = {"taken": "Taken", "dismissed": "Dismissed", "snoozed": "Snoozed"}
OUTCOME_LABELS = {
    "replied": "Replied",
    "resolved": "Resolved",
    "renewed": "Renewed",
    "expanded": "Expanded",
    "re_engaged": "Re-engaged",
    "churned": "Churned",
    "no_response": "No response",
    "other": "Other",
}
ACTION_GONE = "That action is no longer offered."
OUTCOME_SAVED = "Outcome recorded."
FLASH_MESSAGES = (*DECIDED.values(), ACTION_GONE, OUTCOME_SAVED)


def _panel(
    request: Request, session: DbSession, viewer: Viewer, customer: service.Customer, back: str
) -> HTMLResponse:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    actions = service.next_actions(
        session,
        workspace_id=viewer.principal.workspace_id,
        customer=customer,
        now=utcnow(),
        data_dir=get_runtime(request).settings.data_dir,
        writer=get_runtime(request).session_factory,
        limit=PANEL_SIZE,
    )
    context: dict[str, Any] = {
        "actions": actions,
        "decisions": service.decisions_of(session, customer=customer, limit=PANEL_SIZE),
        "customer": customer,
        "back": back,
        "can_decide": viewer.can(Permission.CUSTOMERS_WRITE),
        "outcomes": list(Outcome),
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "outcome_labels": OUTCOME_LABELS,
    }
    return render(request, "experience/_next_actions.html", context)


@router.get("/contacts/{contact_id}/next-actions-panel", response_class=HTMLResponse)
def contact_panel(
    request: Request, contact_id: int, session: DbSession, viewer: CanRead
) -> HTMLResponse:
    customer = service.resolve_customer(session, contact_id=contact_id, account_id=None)
    return _panel(request, session, viewer, customer, f"/contacts/{customer.contact_id}")


@router.get("/accounts/{account_id}/next-actions-panel", response_class=HTMLResponse)
def account_panel(
    request: Request, account_id: int, session: DbSession, viewer: CanRead
) -> HTMLResponse:
    customer = service.resolve_customer(session, contact_id=None, account_id=account_id)
    return _panel(request, session, viewer, customer, f"/accounts/{customer.account_id}")


def _back(customer: service.Customer) -> str:
    if customer.contact_id is not None:
        return f"/contacts/{customer.contact_id}"
    return f"/accounts/{customer.account_id}"


@router.post("/next-actions/decide", dependencies=[CsrfProtected])
def decide(
    request: Request,
    session: DbSession,
    viewer: CanWrite,
    action_key: Annotated[str, Form(max_length=120)],
    status: Annotated[DecisionStatus, Form()],
    contact_id: Annotated[int | None, Form(ge=1)] = None,
    account_id: Annotated[int | None, Form(ge=1)] = None,
) -> RedirectResponse:
    assert viewer.principal is not None
    if (contact_id is None) == (account_id is None):
        raise ValidationFailed("name the contact_id or the account_id", field="contact_id")
    customer = service.resolve_customer(session, contact_id=contact_id, account_id=account_id)
    response = RedirectResponse(_back(customer), status_code=303)
    try:
        service.record_decision(
            session,
            workspace_id=viewer.principal.workspace_id,
            customer=customer,
            action_key=action_key,
            status=status,
            snooze_days=SNOOZE_DAYS if status == DecisionStatus.SNOOZED else None,
            user_id=viewer.principal.user_id,
            now=utcnow(),
            data_dir=get_runtime(request).settings.data_dir,
        )
    except NotFound:
        add_flash(request, response, ACTION_GONE, "error")
        return response
    add_flash(request, response, DECIDED[status], "success")
    return response


@router.post("/next-actions/decisions/{decision_id}/outcome", dependencies=[CsrfProtected])
def outcome(
    request: Request,
    decision_id: int,
    session: DbSession,
    viewer: CanWrite,
    outcome: Annotated[Outcome, Form()],
    back: Annotated[str, Form(max_length=40, pattern=BACK_PATTERN)] = "",
) -> RedirectResponse:
    row = service.record_outcome(session, decision_id=decision_id, outcome=outcome, now=utcnow())
    if not back:
        back = (
            f"/contacts/{row.contact_id}"
            if row.contact_id is not None
            else f"/accounts/{row.account_id}"
        )
    response = RedirectResponse(back, status_code=303)
    add_flash(request, response, OUTCOME_SAVED, "success")
    return response
