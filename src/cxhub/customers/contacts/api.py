"""Contact routes, including identity resolution and merge."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission
from cxhub.customers.contacts import search, service
from cxhub.customers.contacts.merge import merge_contacts
from cxhub.customers.contacts.schemas import (
    ContactCreate,
    ContactOut,
    ContactUpdate,
    IdentifyResult,
    MergeRequest,
    MergeResult,
)

router = APIRouter(route_class=TransactionalRoute, tags=["contacts"])


@router.get("/contacts", response_model=PageOut[ContactOut])
def list_contacts(
    session: DbSession,
    page: PageParams,
    q: str | None = None,
    account_id: int | None = None,
    email: str | None = None,
    locale: str | None = None,
    country: str | None = None,
    _: Principal = require(Permission.CUSTOMERS_READ),
) -> PageOut[ContactOut]:
    """Contacts sorted by name; `q` matches the start of the full name, last name, email or
    social handle, a phone number, or an exact external id."""
    result = search.list_contacts(
        session,
        page=page,
        q=q,
        account_id=account_id,
        email=email,
        locale=locale,
        country=country,
        load_identifiers=False,
    )
    return PageOut(
        items=service.contact_outs(session, result.items), next_cursor=result.next_cursor
    )


@router.post("/contacts", response_model=ContactOut, status_code=status.HTTP_201_CREATED)
def create_contact(
    data: ContactCreate,
    session: DbSession,
    principal: Principal = require(Permission.CUSTOMERS_WRITE),
) -> ContactOut:
    """Create a contact; 409 `conflict` with `contact_id` when an identifier is already taken."""
    return ContactOut.of(
        service.create_contact(session, workspace_id=principal.workspace_id, data=data)
    )


@router.post(
    "/contacts/identify",
    response_model=IdentifyResult,
    responses={201: {"model": IdentifyResult, "description": "No contact matched: created"}},
)
def identify_contact(
    data: ContactCreate,
    session: DbSession,
    response: Response,
    principal: Principal = require(Permission.CUSTOMERS_WRITE),
) -> IdentifyResult:
    """Find the contact any of these identifiers belongs to and attach the new ones, or create
    the contact (201) when none matches."""
    found = service.identify_contact(session, workspace_id=principal.workspace_id, data=data)
    if found.created:
        response.status_code = status.HTTP_201_CREATED
    return IdentifyResult(
        contact=ContactOut.of(found.contact),
        created=found.created,
        matched_on=[f"{kind.value}:{value}" for kind, value in found.matched_on],
        conflicting_contact_ids=found.conflicting_contact_ids,
    )


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def get_contact(
    contact_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_READ)
) -> ContactOut:
    """A contact; the id of a merged duplicate returns the surviving contact."""
    return ContactOut.of(service.get_contact(session, contact_id=contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
def update_contact(
    contact_id: int,
    data: ContactUpdate,
    session: DbSession,
    _: Principal = require(Permission.CUSTOMERS_WRITE),
) -> ContactOut:
    return ContactOut.of(service.update_contact(session, contact_id=contact_id, data=data))


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_contact(
    contact_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_DELETE)
) -> None:
    """Erase a contact with their identifiers and touchpoints."""
    service.delete_contact(session, contact_id=contact_id)


@router.post("/contacts/{contact_id}/merge", response_model=MergeResult)
def merge_contact(
    contact_id: int,
    data: MergeRequest,
    session: DbSession,
    principal: Principal = require(Permission.CUSTOMERS_MERGE),
) -> MergeResult:
    """Fold `loser_id` into this contact: identifiers, touchpoints and every other reference
    move here, the loser's id keeps resolving to this contact, and the merge is audited."""
    winner, moved = merge_contacts(
        session, winner_id=contact_id, loser_id=data.loser_id, actor_user_id=principal.user_id
    )
    return MergeResult(contact=ContactOut.of(winner), merged_contact_id=data.loser_id, moved=moved)
