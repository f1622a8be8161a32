"""Account routes."""

from __future__ import annotations

from fastapi import APIRouter, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission
from cxhub.customers.accounts import service
from cxhub.customers.accounts.schemas import AccountCreate, AccountOut, AccountUpdate

router = APIRouter(route_class=TransactionalRoute, tags=["accounts"])


@router.get("/accounts", response_model=PageOut[AccountOut])
def list_accounts(
    session: DbSession,
    page: PageParams,
    q: str | None = None,
    tier: str | None = None,
    industry: str | None = None,
    country: str | None = None,
    owner_id: int | None = None,
    domain: str | None = None,
    _: Principal = require(Permission.CUSTOMERS_READ),
) -> PageOut[AccountOut]:
    """Accounts, sorted by `name` by default; `q` matches the start of the name."""
    result = service.list_accounts(
        session,
        page=page,
        q=q,
        tier=tier,
        industry=industry,
        country=country,
        owner_id=owner_id,
        domain=domain,
    )
    return PageOut(items=[AccountOut.of(a) for a in result.items], next_cursor=result.next_cursor)


@router.post("/accounts", response_model=AccountOut, status_code=status.HTTP_201_CREATED)
def create_account(
    data: AccountCreate,
    session: DbSession,
    principal: Principal = require(Permission.CUSTOMERS_WRITE),
) -> AccountOut:
    return AccountOut.of(
        service.create_account(session, workspace_id=principal.workspace_id, data=data)
    )


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(
    account_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_READ)
) -> AccountOut:
    return AccountOut.of(service.get_account(session, account_id=account_id))


@router.patch("/accounts/{account_id}", response_model=AccountOut)
def update_account(
    account_id: int,
    data: AccountUpdate,
    session: DbSession,
    _: Principal = require(Permission.CUSTOMERS_WRITE),
) -> AccountOut:
    return AccountOut.of(service.update_account(session, account_id=account_id, data=data))


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(
    account_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_DELETE)
) -> None:
    service.delete_account(session, account_id=account_id)
