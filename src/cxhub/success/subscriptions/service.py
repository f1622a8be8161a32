"""Subscription use cases. No commits: the request or job edge commits (ADR 0002).

Every change of plan, MRR or seats appends a row to the MRR history, effective on a date, so
revenue metrics can rebuild any past month (`analytics.revenue_report`). Each start, change and
cancellation is also a touchpoint on the account's timeline and a domain event.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.service import get_account
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.success.subscriptions.events import (
    SubscriptionCanceled,
    SubscriptionChanged,
    SubscriptionStarted,
)
from cxhub.success.subscriptions.models import (
    ENDED_STATUSES,
    Subscription,
    SubscriptionMrrChange,
    SubscriptionStatus,
)
from cxhub.success.subscriptions.schemas import (
    SubscriptionCancel,
    SubscriptionCreate,
    SubscriptionUpdate,
)

SUBSCRIPTION_SORTS = {
    "id": Subscription.id,
    "started_on": Subscription.started_on,
    "renewal_on": Subscription.renewal_on,
    "mrr_cents": Subscription.mrr_cents,
    "created_at": Subscription.created_at,
}


def _timeline(
    session: Session,
    subscription: Subscription,
    *,
    kind: str,
    on: date,
    summary: str,
    payload: dict[str, Any],
) -> None:
    record_interaction(
        session,
        workspace_id=subscription.workspace_id,
        data=InteractionCreate(
            kind=kind,
            channel=Channel.API,
            occurred_at=datetime.combine(on, time(0), UTC),
            account_id=subscription.account_id,
            summary=summary,
            payload={"subscription_id": subscription.id, "currency": subscription.currency}
            | payload,
            source_type="subscription",
            source_id=str(subscription.id),
        ),
    )


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency}"


def _check_external_id(
    session: Session, external_id: str | None, subscription_id: int | None
) -> None:
    if external_id is None:
        return
    with session.no_autoflush:
        owner = session.scalar(
            select(Subscription.id).where(Subscription.external_id == external_id)
        )
    if owner is not None and owner != subscription_id:
        raise Conflict(
            f"a subscription with external_id {external_id!r} already exists",
            field="external_id",
            subscription_id=owner,
        )


def create_subscription(
    session: Session, *, workspace_id: int, data: SubscriptionCreate
) -> Subscription:
    account = get_account(session, account_id=data.account_id)
    _check_external_id(session, data.external_id, None)
    status = data.status or (
        SubscriptionStatus.CANCELED if data.ended_on is not None else SubscriptionStatus.ACTIVE
    )
    if status in ENDED_STATUSES and data.ended_on is None:
        raise ValidationFailed(f"a {status.value} subscription needs ended_on", field="ended_on")
    subscription = Subscription(
        workspace_id=workspace_id,
        account_id=account.id,
        plan=data.plan,
        currency=data.currency,
        mrr_cents=data.mrr_cents,
        seats=data.seats,
        started_on=data.started_on,
        renewal_on=data.renewal_on,
        ended_on=data.ended_on,
        status=status.value,
        external_id=data.external_id,
    )
    subscription.mrr_changes = [
        SubscriptionMrrChange(
            workspace_id=workspace_id,
            effective_on=data.started_on,
            mrr_cents=data.mrr_cents,
            seats=data.seats,
            plan=data.plan,
            reason="started",
        )
    ]
    session.add(subscription)
    session.flush()
    publish(
        session,
        SubscriptionStarted(
            workspace_id=workspace_id,
            subscription_id=subscription.id,
            account_id=account.id,
            currency=subscription.currency,
            mrr_cents=subscription.mrr_cents,
            started_on=subscription.started_on,
        ),
    )
    _timeline(
        session,
        subscription,
        kind="subscription.started",
        on=data.started_on,
        summary=f"Subscription {data.plan} started: {_money(data.mrr_cents, data.currency)} MRR",
        payload={"plan": data.plan, "mrr_cents": data.mrr_cents, "seats": data.seats},
    )
    if data.ended_on is not None:
        _end(session, subscription, ended_on=data.ended_on, status=status, reason=None)
    return subscription


def upsert_subscription(
    session: Session, *, workspace_id: int, data: SubscriptionCreate, today: date
) -> tuple[Subscription, bool]:
    """Create, or update the subscription holding `data.external_id`; (subscription, created).
    Re-sending the same row changes nothing, so imports and syncs can repeat."""
    existing = None
    if data.external_id is not None:
        existing = session.scalar(
            select(Subscription).where(Subscription.external_id == data.external_id)
        )
    if existing is None:
        return create_subscription(session, workspace_id=workspace_id, data=data), True
    for field in ("account_id", "currency", "started_on"):
        if getattr(existing, field) != getattr(data, field):
            raise Conflict(
                f"subscription {data.external_id!r} has another {field}; "
                "a new account, currency or start is a new subscription",
                field=field,
                subscription_id=existing.id,
            )
    if existing.ended_on is None:
        changes = SubscriptionUpdate(
            plan=data.plan,
            mrr_cents=data.mrr_cents,
            seats=data.seats,
            renewal_on=data.renewal_on,
            status=data.status if data.status is not None and data.ended_on is None else None,
            effective_on=data.effective_on,
        )
        update_subscription(session, subscription_id=existing.id, data=changes, today=today)
        if data.ended_on is not None:
            cancel = SubscriptionCancel(
                ended_on=data.ended_on, status=data.status or SubscriptionStatus.CANCELED
            )
            cancel_subscription(session, subscription_id=existing.id, data=cancel, today=today)
    elif data.ended_on != existing.ended_on:
        raise Conflict(
            f"subscription {data.external_id!r} already ended on {existing.ended_on}",
            field="ended_on",
            subscription_id=existing.id,
        )
    return existing, False


def get_subscription(session: Session, *, subscription_id: int) -> Subscription:
    subscription = session.scalar(select(Subscription).where(Subscription.id == subscription_id))
    if subscription is None:
        raise NotFound(f"subscription {subscription_id} not found")
    return subscription


def list_subscriptions(
    session: Session,
    *,
    page: PageRequest,
    account_id: int | None = None,
    status: SubscriptionStatus | None = None,
    currency: str | None = None,
) -> Page[Subscription]:
    statement: Select[Any] = select(Subscription)
    if account_id is not None:
        statement = statement.where(Subscription.account_id == account_id)
    if status is not None:
        statement = statement.where(Subscription.status == status.value)
    if currency is not None:
        statement = statement.where(Subscription.currency == currency.upper())
    return paginate(
        session,
        statement,
        request=page,
        sortable=SUBSCRIPTION_SORTS,
        id_column=Subscription.id,
        default_sort="id",
    )


def account_subscriptions(
    session: Session, *, account_id: int, page: PageRequest
) -> Page[Subscription]:
    account = get_account(session, account_id=account_id)
    return list_subscriptions(session, page=page, account_id=account.id)


def _last_change_on(subscription: Subscription) -> date:
    return max(c.effective_on for c in subscription.mrr_changes)


def update_subscription(
    session: Session, *, subscription_id: int, data: SubscriptionUpdate, today: date
) -> Subscription:
    subscription = get_subscription(session, subscription_id=subscription_id)
    fields = data.model_fields_set
    if "external_id" in fields:
        _check_external_id(session, data.external_id, subscription.id)
        subscription.external_id = data.external_id
    if "renewal_on" in fields:
        if data.renewal_on is not None and data.renewal_on < subscription.started_on:
            raise ValidationFailed("renewal_on is before started_on", field="renewal_on")
        subscription.renewal_on = data.renewal_on
    if data.status is not None:
        if subscription.ended_on is not None:
            raise Conflict("the subscription has ended; start a new one", field="status")
        subscription.status = data.status.value
    wanted = {
        "plan": data.plan if data.plan is not None else subscription.plan,
        "mrr_cents": data.mrr_cents if data.mrr_cents is not None else subscription.mrr_cents,
        "seats": data.seats if data.seats is not None else subscription.seats,
    }
    if any(getattr(subscription, key) != value for key, value in wanted.items()):
        _change(
            session, subscription, wanted=wanted, on=data.effective_on or today, reason=data.reason
        )
    session.flush()
    return subscription


def _change(
    session: Session,
    subscription: Subscription,
    *,
    wanted: dict[str, Any],
    on: date,
    reason: str | None,
) -> None:
    if subscription.ended_on is not None:
        raise Conflict("the subscription has ended; start a new one", field="effective_on")
    if on < subscription.started_on:
        raise ValidationFailed("effective_on is before started_on", field="effective_on")
    previous = subscription.mrr_cents
    for key, value in wanted.items():
        setattr(subscription, key, value)
    subscription.mrr_changes.append(
        SubscriptionMrrChange(
            workspace_id=subscription.workspace_id,
            effective_on=on,
            mrr_cents=subscription.mrr_cents,
            seats=subscription.seats,
            plan=subscription.plan,
            reason=reason or _direction(previous, subscription.mrr_cents),
        )
    )
    session.flush()
    publish(
        session,
        SubscriptionChanged(
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            account_id=subscription.account_id,
            currency=subscription.currency,
            previous_mrr_cents=previous,
            mrr_cents=subscription.mrr_cents,
            effective_on=on,
        ),
    )
    _timeline(
        session,
        subscription,
        kind="subscription.changed",
        on=on,
        summary=f"Subscription {subscription.plan} changed: "
        f"{_money(previous, subscription.currency)} → "
        f"{_money(subscription.mrr_cents, subscription.currency)} MRR",
        payload={
            "plan": subscription.plan,
            "previous_mrr_cents": previous,
            "mrr_cents": subscription.mrr_cents,
            "seats": subscription.seats,
        },
    )


def _direction(previous: int, current: int) -> str:
    if current > previous:
        return "upgrade"
    if current < previous:
        return "downgrade"
    return "change"


def cancel_subscription(
    session: Session, *, subscription_id: int, data: SubscriptionCancel, today: date
) -> Subscription:
    subscription = get_subscription(session, subscription_id=subscription_id)
    if subscription.ended_on is not None:
        raise Conflict(f"the subscription already ended on {subscription.ended_on}")
    ended_on = data.ended_on or today
    if ended_on < subscription.started_on:
        raise ValidationFailed("ended_on is before started_on", field="ended_on")
    if ended_on < _last_change_on(subscription):
        raise ValidationFailed(
            "ended_on is before the last change of the subscription", field="ended_on"
        )
    _end(session, subscription, ended_on=ended_on, status=data.status, reason=data.reason)
    session.flush()
    return subscription


def _end(
    session: Session,
    subscription: Subscription,
    *,
    ended_on: date,
    status: SubscriptionStatus,
    reason: str | None,
) -> None:
    subscription.ended_on = ended_on
    subscription.status = status.value
    # `mrr_cents` keeps the contracted value; the history says revenue stops on `ended_on`.
    subscription.mrr_changes.append(
        SubscriptionMrrChange(
            workspace_id=subscription.workspace_id,
            effective_on=ended_on,
            mrr_cents=0,
            seats=0,
            plan=subscription.plan,
            reason=reason or status.value,
        )
    )
    session.flush()
    publish(
        session,
        SubscriptionCanceled(
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            account_id=subscription.account_id,
            currency=subscription.currency,
            previous_mrr_cents=subscription.mrr_cents,
            ended_on=ended_on,
            status=status.value,
        ),
    )
    _timeline(
        session,
        subscription,
        kind="subscription.canceled",
        on=ended_on,
        summary=f"Subscription {subscription.plan} {status.value}: "
        f"{_money(subscription.mrr_cents, subscription.currency)} MRR ends",
        payload={"plan": subscription.plan, "status": status.value, "reason": reason},
    )


def account_churn_days(session: Session) -> dict[int, date | None]:
    """Per account with subscriptions: the day its last subscription ended when all of them
    have ended (logo churn), else None (still a customer)."""
    ended: dict[int, list[date | None]] = {}
    for account_id, ended_on in session.execute(
        select(Subscription.account_id, Subscription.ended_on)
    ):
        ended.setdefault(int(account_id), []).append(ended_on)
    return {
        account: None if any(day is None for day in days) else max(d for d in days if d)
        for account, days in ended.items()
    }


def export_for_account(session: Session, *, account_id: int) -> list[Subscription]:
    """The subscriptions of the account a contact belongs to (data-subject export)."""
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.account_id == account_id)
            .order_by(Subscription.id)
        )
    )


def live_seats(session: Session, *, account_ids: list[int], today: date) -> dict[int, int]:
    """Licensed seats per account: the seats of its subscriptions in service on `today`
    (accounts without one are absent)."""
    if not account_ids:
        return {}
    seats: dict[int, int] = {}
    for subscription in session.scalars(
        select(Subscription).where(
            Subscription.account_id.in_(account_ids),
            Subscription.started_on <= today,
            (Subscription.ended_on.is_(None)) | (Subscription.ended_on > today),
        )
    ):
        seats[subscription.account_id] = seats.get(subscription.account_id, 0) + subscription.seats
    return seats


def renewing_between(session: Session, *, start: date, end: date) -> list[Subscription]:
    """Live subscriptions whose renewal date falls in `[start, end]` (survey and renewal
    triggers read them here), oldest renewal first."""
    return list(
        session.scalars(
            select(Subscription)
            .where(
                Subscription.renewal_on >= start,
                Subscription.renewal_on <= end,
                Subscription.ended_on.is_(None),
            )
            .order_by(Subscription.renewal_on, Subscription.id)
            .limit(5000)
        )
    )


def live_arr_cents(
    session: Session, *, account_ids: list[int], today: date
) -> dict[int, dict[str, int]]:
    """Annual recurring revenue per account and currency (12 x the MRR of the subscriptions in
    service on `today`); accounts without one are absent."""
    if not account_ids:
        return {}
    arr: dict[int, dict[str, int]] = {}
    for subscription in session.scalars(
        select(Subscription).where(
            Subscription.account_id.in_(account_ids),
            Subscription.started_on <= today,
            (Subscription.ended_on.is_(None)) | (Subscription.ended_on > today),
        )
    ):
        per_currency = arr.setdefault(subscription.account_id, {})
        per_currency[subscription.currency] = (
            per_currency.get(subscription.currency, 0) + 12 * subscription.mrr_cents
        )
    return arr
