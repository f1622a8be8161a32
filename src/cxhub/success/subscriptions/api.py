"""Subscription routes: contracts of accounts and their MRR history."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Response, status

from cxhub.api.deps import DbSession, PageParams, Principal, TransactionalRoute, require
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission
from cxhub.success.subscriptions import service
from cxhub.success.subscriptions.models import SubscriptionStatus
from cxhub.success.subscriptions.schemas import (
    SubscriptionCancel,
    SubscriptionCreate,
    SubscriptionOut,
    SubscriptionUpdate,
)

router = APIRouter(route_class=TransactionalRoute, tags=["subscriptions"])


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/subscriptions", response_model=PageOut[SubscriptionOut])
def list_subscriptions(
    session: DbSession,
    page: PageParams,
    account_id: int | None = None,
    status: SubscriptionStatus | None = None,
    currency: str | None = None,
    _: Principal = require(Permission.SUCCESS_READ),
) -> PageOut[SubscriptionOut]:
    """Subscriptions, sorted by `id` by default (also `started_on`, `renewal_on`, `mrr_cents`)."""
    result = service.list_subscriptions(
        session, page=page, account_id=account_id, status=status, currency=currency
    )
    return PageOut(
        items=[SubscriptionOut.of(s) for s in result.items], next_cursor=result.next_cursor
    )


@router.post(
    "/subscriptions",
    response_model=SubscriptionOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": SubscriptionOut,
            "description": "A subscription with this external_id was updated.",
        }
    },
)
def create_subscription(
    data: SubscriptionCreate,
    session: DbSession,
    response: Response,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> SubscriptionOut:
    """Create a subscription (201), or update the one with the same `external_id` (200)."""
    subscription, created = service.upsert_subscription(
        session, workspace_id=principal.workspace_id, data=data, today=_today()
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return SubscriptionOut.of(subscription)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    subscription_id: int, session: DbSession, _: Principal = require(Permission.SUCCESS_READ)
) -> SubscriptionOut:
    return SubscriptionOut.of(service.get_subscription(session, subscription_id=subscription_id))


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def update_subscription(
    subscription_id: int,
    data: SubscriptionUpdate,
    session: DbSession,
    _: Principal = require(Permission.SUCCESS_WRITE),
) -> SubscriptionOut:
    """A change of plan, MRR or seats takes effect on `effective_on` (default today) and is
    appended to the MRR history."""
    return SubscriptionOut.of(
        service.update_subscription(
            session, subscription_id=subscription_id, data=data, today=_today()
        )
    )


@router.post("/subscriptions/{subscription_id}/cancel", response_model=SubscriptionOut)
def cancel_subscription(
    subscription_id: int,
    data: SubscriptionCancel,
    session: DbSession,
    _: Principal = require(Permission.SUCCESS_WRITE),
) -> SubscriptionOut:
    """End the subscription: its MRR drops to 0 on `ended_on` (default today)."""
    return SubscriptionOut.of(
        service.cancel_subscription(
            session, subscription_id=subscription_id, data=data, today=_today()
        )
    )


@router.get("/accounts/{account_id}/subscriptions", response_model=PageOut[SubscriptionOut])
def account_subscriptions(
    account_id: int,
    session: DbSession,
    page: PageParams,
    _: Principal = require(Permission.SUCCESS_READ),
) -> PageOut[SubscriptionOut]:
    result = service.account_subscriptions(session, account_id=account_id, page=page)
    return PageOut(
        items=[SubscriptionOut.of(s) for s in result.items], next_cursor=result.next_cursor
    )
