"""Usage metric routes: `GET /api/v1/metrics/usage` (the workspace) and
`GET /api/v1/accounts/{account_id}/usage` (adoption of one account). Definitions:
docs/metrics.md ("Product adoption")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cxhub.analytics import adoption, revenue_kpis
from cxhub.analytics.service_kpis import check_period
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.permissions import Permission
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])


class FeatureDepthOut(BaseModel):
    event: str
    events: int
    users: int
    events_per_user: float


class AccountUsageOut(BaseModel):
    account_id: int
    as_of: datetime
    dau: int = Field(description="Distinct active users in the last 24 hours.")
    wau: int = Field(description="Distinct active users in the last 7 days.")
    mau: int = Field(description="Distinct active users in the last 30 days.")
    average_dau: float = Field(description="Mean of the 30 daily active-user counts.")
    stickiness: float | None = Field(description="average_dau ÷ mau.")
    active_seats: int
    licensed_seats: int | None = Field(
        description="Seats of the live subscriptions, else the account's custom_attributes.seats."
    )
    seat_utilisation: float | None
    features_used: int
    features_available: int
    feature_breadth: float | None
    feature_depth: list[FeatureDepthOut]
    events_last_30_days: int
    events_previous_30_days: int
    usage_trend: float | None = Field(description="last 30 days ÷ the 30 days before.")


class DailyUsageOut(BaseModel):
    day: str
    active_users: int
    events: int


class WorkspaceUsageOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    events: int
    active_users: int
    daily: list[DailyUsageOut]
    features: list[FeatureDepthOut]


@router.get("/accounts/{account_id}/usage", response_model=AccountUsageOut)
def account_usage(
    account_id: int,
    request: Request,
    session: DbSession,
    as_of: Annotated[datetime | None, Query(description="End of the windows; default now.")] = None,
    principal: Principal = require(Permission.CUSTOMERS_READ),
) -> AccountUsageOut:
    """Product adoption of one account: DAU/WAU/MAU, stickiness, seats, feature breadth and
    depth, and the 30-day usage trend, from its contacts' product user ids."""
    moment = adoption.usage_moment(as_of)
    account = accounts.get_account(session, account_id=account_id)
    start, end = adoption.usage_window(moment)
    data_dir = get_runtime(request).settings.data_dir
    with adoption.open_events(
        session, workspace_id=principal.workspace_id, data_dir=data_dir, start=start, end=end
    ) as connection:
        result = adoption.account_adoption(
            connection,
            user_ids=contacts.external_ids_of_account(session, account_id=account.id),
            as_of=moment,
            licensed_seats=revenue_kpis.live_seats(
                session,
                workspace_id=principal.workspace_id,
                account_id=account.id,
                today=moment.date(),
            )
            or adoption.licensed_seats_of(account.custom_attributes),
        )
    return AccountUsageOut(
        account_id=account.id,
        **{k: v for k, v in result.__dict__.items() if k != "feature_depth"},
        feature_depth=[FeatureDepthOut(**f.__dict__) for f in result.feature_depth],
    )


@router.get("/metrics/usage", response_model=WorkspaceUsageOut, response_model_by_alias=True)
def usage_metrics(
    request: Request,
    session: DbSession,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    principal: Principal = require(Permission.CUSTOMERS_READ),
) -> WorkspaceUsageOut:
    """Product usage of the workspace in `[from, to)` (default: the last 30 days): activity
    events, distinct active users, both per UTC day, and the most used track events."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    check_period(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    with adoption.open_events(
        session,
        workspace_id=principal.workspace_id,
        data_dir=get_runtime(request).settings.data_dir,
        start=start,
        end=end,
    ) as connection:
        result = adoption.workspace_usage(connection, start=start, end=end)
    return WorkspaceUsageOut(
        start=start,
        end=end,
        events=result.events,
        active_users=result.active_users,
        daily=[DailyUsageOut(**d.__dict__) for d in result.daily],
        features=[FeatureDepthOut(**f.__dict__) for f in result.features],
    )
