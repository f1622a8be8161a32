"""Customer search and the contact 360 page (profile + timeline).

Search answers twice from the same code: `/customers` is a whole page (a plain GET form, works
without JavaScript) and `/customers/results` the fragment our script swaps in while typing. The
timeline pages the same way: `?cursor=` on the page, or the `/timeline` fragment for "Load more".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.pagination import PageRequest
from cxhub.core.permissions import Permission
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts import search, service
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.timeline import service as timeline
from cxhub.web.auth import page_permission
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (NavItem("Customers", "/customers", Permission.CUSTOMERS_READ, order=10, icon="users"),)

SEARCH_PAGE_SIZE = 20
ACCOUNT_MATCHES = 5
TIMELINE_PAGE_SIZE = 20

CanReadCustomers = Annotated[Viewer, page_permission(Permission.CUSTOMERS_READ)]
CanReadTimeline = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
Cursor = Annotated[str | None, Query(max_length=500)]


@dataclass(frozen=True)
class ContactRow:
    """What a search result shows about one person."""

    id: int
    name: str
    emails: list[str]
    account: Account | None
    locale: str | None
    country: str | None


def accounts_by_id(session: Session, account_ids: set[int]) -> dict[int, Account]:
    return accounts.get_accounts(session, account_ids=account_ids)


def contact_rows(session: Session, contacts: list[Contact]) -> list[ContactRow]:
    linked = accounts_by_id(session, {c.account_id for c in contacts if c.account_id})
    rows = []
    for contact in contacts:
        out = ContactOut.of(contact)
        rows.append(
            ContactRow(
                id=out.id,
                name=out.name,
                emails=out.emails,
                account=linked.get(contact.account_id) if contact.account_id else None,
                locale=out.locale,
                country=out.country,
            )
        )
    return rows


def _search_context(
    session: Session, *, q: str, account_id: int | None, cursor: str | None
) -> dict[str, object]:
    query = q.strip()
    account = accounts.get_account(session, account_id=account_id) if account_id else None
    found = search.list_contacts(
        session,
        page=PageRequest(limit=SEARCH_PAGE_SIZE, cursor=cursor),
        q=query or None,
        account_id=account_id,
    )
    matching_accounts = (
        accounts.list_accounts(session, page=PageRequest(limit=ACCOUNT_MATCHES), q=query).items
        if query and account is None
        else []
    )
    return {
        "q": query,
        "account": account,
        "contacts": contact_rows(session, found.items),
        "next_cursor": found.next_cursor,
        "cursor": cursor,
        "accounts": matching_accounts,
    }


@router.get("/customers", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: DbSession,
    viewer: CanReadCustomers,
    q: Annotated[str, Query(max_length=200)] = "",
    account_id: int | None = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    context = _search_context(session, q=q, account_id=account_id, cursor=cursor)
    return render(request, "customers/search.html", context)


@router.get("/customers/results", response_class=HTMLResponse)
def search_results(
    request: Request,
    session: DbSession,
    viewer: CanReadCustomers,
    q: Annotated[str, Query(max_length=200)] = "",
    account_id: int | None = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    """The results fragment the search box fetches as you type."""
    context = _search_context(session, q=q, account_id=account_id, cursor=cursor)
    return render(request, "customers/_results.html", context)


def _timeline_context(session: Session, contact: Contact, cursor: str | None) -> dict[str, object]:
    page = timeline.contact_timeline(
        session, contact_id=contact.id, page=PageRequest(limit=TIMELINE_PAGE_SIZE, cursor=cursor)
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "cursor": cursor,
        "page_url": f"/contacts/{contact.id}",
        "fragment_url": f"/contacts/{contact.id}/timeline",
        "contact_names": {},
    }


@router.get("/contacts/{contact_id}", response_class=HTMLResponse, response_model=None)
def contact_page(
    request: Request,
    contact_id: int,
    session: DbSession,
    viewer: CanReadCustomers,
    cursor: Cursor = None,
) -> Response:
    contact = service.get_contact(session, contact_id=contact_id)
    if contact.id != contact_id:  # a merged duplicate: send the browser to the surviving record
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/contacts/{contact.id}{query}", status_code=302)
    account = (
        accounts.get_account(session, account_id=contact.account_id) if contact.account_id else None
    )
    context: dict[str, object] = {
        "contact": ContactOut.of(contact),
        "account": account,
        "can_read_timeline": viewer.can(Permission.INTERACTIONS_READ),
        # A link only: the privacy domain's page does the export and the erasure.
        "can_handle_privacy": viewer.can(Permission.DATA_EXPORT),
    }
    if context["can_read_timeline"]:
        context.update(_timeline_context(session, contact, cursor))
    return render(request, "customers/contact.html", context)


@router.get("/contacts/{contact_id}/timeline", response_class=HTMLResponse)
def contact_timeline_fragment(
    request: Request,
    contact_id: int,
    session: DbSession,
    viewer: CanReadTimeline,
    cursor: Cursor = None,
) -> HTMLResponse:
    """The next timeline items and a new "Load more" link, for the page's script."""
    contact = service.get_contact(session, contact_id=contact_id)
    return render(request, "customers/_timeline.html", _timeline_context(session, contact, cursor))
