"""The account list and the account 360 page: profile, domains, owner, people and timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.errors import NotFound
from cxhub.core.pagination import PageRequest
from cxhub.core.permissions import Permission
from cxhub.customers.accounts import service
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts import search as contact_search
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.pages import contact_rows
from cxhub.customers.contacts.schemas import display_name
from cxhub.customers.timeline import service as timeline
from cxhub.customers.timeline.models import Interaction
from cxhub.people import service as people
from cxhub.people.models import User
from cxhub.web.auth import page_permission
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (NavItem("Accounts", "/accounts", Permission.CUSTOMERS_READ, order=20, icon="building"),)

LIST_PAGE_SIZE = 25
ACCOUNT_CONTACTS = 10
TIMELINE_PAGE_SIZE = 20

CanReadCustomers = Annotated[Viewer, page_permission(Permission.CUSTOMERS_READ)]
CanReadTimeline = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
Cursor = Annotated[str | None, Query(max_length=500)]


@router.get("/accounts", response_class=HTMLResponse)
def account_list(
    request: Request,
    session: DbSession,
    viewer: CanReadCustomers,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Cursor = None,
) -> HTMLResponse:
    page = service.list_accounts(
        session, page=PageRequest(limit=LIST_PAGE_SIZE, cursor=cursor), q=q.strip() or None
    )
    return render(
        request,
        "customers/accounts.html",
        {"q": q.strip(), "accounts": page.items, "next_cursor": page.next_cursor, "cursor": cursor},
    )


def _owner(session: Session, account: Account) -> User | None:
    if account.owner_id is None:
        return None
    try:
        return people.get_user(session, user_id=account.owner_id)
    except NotFound:
        return None


def _contact_names(session: Session, items: list[Interaction]) -> dict[int, str]:
    """Who each account touchpoint was with, so the account timeline reads as people."""
    wanted = {i.contact_id for i in items if i.contact_id is not None}
    found = contacts.get_contacts(session, contact_ids=wanted)
    return {contact_id: display_name(contact) for contact_id, contact in found.items()}


def _timeline_context(session: Session, account: Account, cursor: str | None) -> dict[str, object]:
    page = timeline.account_timeline(
        session, account_id=account.id, page=PageRequest(limit=TIMELINE_PAGE_SIZE, cursor=cursor)
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "cursor": cursor,
        "page_url": f"/accounts/{account.id}",
        "fragment_url": f"/accounts/{account.id}/timeline",
        "contact_names": _contact_names(session, page.items),
    }


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    account_id: int,
    session: DbSession,
    viewer: CanReadCustomers,
    cursor: Cursor = None,
) -> HTMLResponse:
    account = service.get_account(session, account_id=account_id)
    people_page = contact_search.list_contacts(
        session, page=PageRequest(limit=ACCOUNT_CONTACTS), account_id=account.id
    )
    context: dict[str, object] = {
        "account": account,
        "owner": _owner(session, account),
        "contacts": contact_rows(session, people_page.items),
        "more_contacts": people_page.next_cursor is not None,
        "can_read_timeline": viewer.can(Permission.INTERACTIONS_READ),
        "can_read_success": viewer.can(Permission.SUCCESS_READ),
    }
    if context["can_read_timeline"]:
        context.update(_timeline_context(session, account, cursor))
    return render(request, "customers/account.html", context)


@router.get("/accounts/{account_id}/timeline", response_class=HTMLResponse)
def account_timeline_fragment(
    request: Request,
    account_id: int,
    session: DbSession,
    viewer: CanReadTimeline,
    cursor: Cursor = None,
) -> HTMLResponse:
    account = service.get_account(session, account_id=account_id)
    return render(request, "customers/_timeline.html", _timeline_context(session, account, cursor))
