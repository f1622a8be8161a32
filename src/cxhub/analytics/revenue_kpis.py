"""Revenue metrics of one workspace and one currency, read from the subscriptions' MRR history
(the pure definitions are in `analytics.revenue`; docs/metrics.md).

Every statement names its workspace explicitly, on top of the automatic filter (ADR 0013), and
every figure is in one currency: amounts in different currencies are never added.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cxhub.analytics.revenue import (
    Cohort,
    MonthMovements,
    MrrChange,
    PeriodRetention,
    Renewal,
    RenewalCandidate,
    RenewalWindow,
    RiskHook,
    account_mrr_by_month,
    cohort_table,
    month_of,
    renewals_pipeline,
)
from cxhub.analytics.success import revenue_summary
from cxhub.core.errors import ValidationFailed
from cxhub.success.subscriptions.models import (
    ENDED_STATUSES,
    Subscription,
    SubscriptionMrrChange,
)


def workspace_currencies(session: Session, *, workspace_id: int) -> list[str]:
    rows = session.scalars(
        select(Subscription.currency).where(Subscription.workspace_id == workspace_id).distinct()
    )
    return sorted(rows)


def choose_currency(session: Session, *, workspace_id: int, currency: str | None) -> str | None:
    """The currency to report in: the one asked for, or the workspace's only one (None when it
    has no subscriptions). Several currencies and none asked for is a 422."""
    if currency is not None:
        code = currency.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValidationFailed("currency is a three-letter ISO 4217 code", field="currency")
        return code
    found = workspace_currencies(session, workspace_id=workspace_id)
    if len(found) > 1:
        raise ValidationFailed(
            f"this workspace bills in {', '.join(found)}; choose one with ?currency=",
            field="currency",
            currencies=found,
        )
    return found[0] if found else None


def mrr_history(session: Session, *, workspace_id: int, currency: str | None) -> list[MrrChange]:
    if currency is None:
        return []
    rows = session.execute(
        select(
            SubscriptionMrrChange.subscription_id,
            Subscription.account_id,
            SubscriptionMrrChange.effective_on,
            SubscriptionMrrChange.mrr_cents,
            SubscriptionMrrChange.id,
        )
        .join(Subscription, Subscription.id == SubscriptionMrrChange.subscription_id)
        .where(
            SubscriptionMrrChange.workspace_id == workspace_id,
            Subscription.workspace_id == workspace_id,
            Subscription.currency == currency,
        )
    )
    return [MrrChange(*row) for row in rows]


def revenue_months(
    session: Session, *, workspace_id: int, currency: str | None, first: date, last: date
) -> tuple[list[MonthMovements], PeriodRetention]:
    """Movements of each month from `first` to `last`, and the retention of the accounts paying
    at the start of `first` over the whole range."""
    history = mrr_history(session, workspace_id=workspace_id, currency=currency)
    summary = revenue_summary(history, first=first, last=last)
    return summary.months, summary.retention


def revenue_cohorts(
    session: Session, *, workspace_id: int, currency: str | None, first: date, last: date
) -> list[Cohort]:
    history = mrr_history(session, workspace_id=workspace_id, currency=currency)
    if not history:
        return []
    earliest = min(month_of(c.effective_on) for c in history)
    snapshots = account_mrr_by_month(history, first=min(earliest, first), last=last)
    return cohort_table(snapshots, first=first, last=last)


def renewals(
    session: Session,
    *,
    workspace_id: int,
    today: date,
    currency: str | None = None,
    windows: tuple[int, ...] = (30, 60, 90),
    at_risk: RiskHook | None = None,
) -> tuple[list[RenewalWindow], list[Renewal]]:
    """Open (not ended) subscriptions renewing in the next 30/60/90 days. `at_risk` is the hook
    health scores will fill (docs/revenue.md)."""
    statement = select(
        Subscription.id,
        Subscription.account_id,
        Subscription.plan,
        Subscription.currency,
        Subscription.mrr_cents,
        Subscription.renewal_on,
    ).where(
        Subscription.workspace_id == workspace_id,
        Subscription.ended_on.is_(None),
        Subscription.status.not_in([s.value for s in ENDED_STATUSES]),
        Subscription.renewal_on >= today,
        Subscription.renewal_on < today + timedelta(days=max(windows)),
    )
    if currency is not None:
        statement = statement.where(Subscription.currency == currency)
    candidates = [
        RenewalCandidate(sub_id, account_id, plan, code, mrr, renewal_on)
        for sub_id, account_id, plan, code, mrr, renewal_on in session.execute(statement)
        if renewal_on is not None
    ]
    return renewals_pipeline(candidates, today=today, windows=windows, at_risk=at_risk)


def live_seats_by_account(
    session: Session, *, workspace_id: int, currency: str | None, today: date
) -> dict[int, int]:
    """Each account's seats of its subscriptions in `currency` in service on `today` (accounts
    without any are absent)."""
    if currency is None:
        return {}
    rows = session.execute(
        select(Subscription.account_id, func.sum(Subscription.seats))
        .where(
            Subscription.workspace_id == workspace_id,
            Subscription.currency == currency,
            Subscription.started_on <= today,
            or_(Subscription.ended_on.is_(None), Subscription.ended_on > today),
            Subscription.status.not_in([s.value for s in ENDED_STATUSES]),
        )
        .group_by(Subscription.account_id)
    )
    return {int(account_id): int(seats) for account_id, seats in rows if seats}


def live_seats(session: Session, *, workspace_id: int, account_id: int, today: date) -> int | None:
    """The seats of an account's subscriptions in service on `today` (any currency); None
    when it has none (the account's `seats` attribute then stands in, docs/metrics.md)."""
    seats = session.scalar(
        select(func.sum(Subscription.seats)).where(
            Subscription.workspace_id == workspace_id,
            Subscription.account_id == account_id,
            Subscription.started_on <= today,
            or_(Subscription.ended_on.is_(None), Subscription.ended_on > today),
            Subscription.status.not_in([s.value for s in ENDED_STATUSES]),
        )
    )
    return int(seats) if seats else None
