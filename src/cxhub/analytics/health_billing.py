"""The billing inputs of the health score (docs/health.md, "Inputs"): renewal proximity and
billing status from an account's subscriptions, on plain values. `subscription_inputs` is the
definition on the subscriptions themselves; `billing_inputs` answers the same from the figures
`health_inputs` aggregates in SQL (one row per account), and the tests hold both to agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple, Protocol

from cxhub.success.subscriptions.models import SubscriptionStatus

Inputs = dict[str, float | None]

BILLING_STATUS_VALUE = {
    SubscriptionStatus.ACTIVE.value: 1.0,
    SubscriptionStatus.TRIALING.value: 0.7,
    SubscriptionStatus.PAST_DUE.value: 0.0,
}


class SubscriptionTerms(Protocol):
    """What the inputs read of a subscription (a `Subscription` or a row of those columns)."""

    @property
    def started_on(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def renewal_on(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def seats(self) -> int: ...


class SubscriptionFigures(NamedTuple):
    """What the inputs need of an account's subscriptions, aggregated in SQL: how many are
    live on the day, the worst billing status among them (a rank of `BILLING_RANKS`), the
    earliest renewal on or after the day and their seats."""

    live: int
    billing_rank: int | None
    next_renewal: date | None
    seats: int


#: Billing statuses by rank, worst first: min(rank) is the status of min(value) (the values
#: rise with the rank), so SQL takes the minimum of an integer and no float crosses the driver.
BILLING_RANKS = [0.0, BILLING_STATUS_VALUE["trialing"], BILLING_STATUS_VALUE["active"]]


def billing_inputs(
    figures: SubscriptionFigures | None, today: date
) -> tuple[float | None, float | None]:
    """(renewal_days, billing_status) of `subscription_inputs` from the SQL figures."""
    if figures is None:
        return None, None
    if not figures.live or figures.billing_rank is None:
        return None, 0.0
    renewal = figures.next_renewal
    return (
        float((renewal - today).days) if renewal is not None else None,
        BILLING_RANKS[figures.billing_rank],
    )


def _live(subscriptions: Sequence[SubscriptionTerms], today: date) -> list[SubscriptionTerms]:
    return [
        s
        for s in subscriptions
        if s.started_on <= today and (s.ended_on is None or s.ended_on > today)
    ]


def subscription_inputs(subscriptions: Sequence[SubscriptionTerms], today: date) -> Inputs:
    """Renewal proximity and billing status; both missing for an account that never had a
    subscription. An account whose subscriptions all ended scores billing 0."""
    if not subscriptions:
        return {"renewal_days": None, "billing_status": None}
    live = _live(subscriptions, today)
    if not live:
        return {"renewal_days": None, "billing_status": 0.0}
    billing = min(BILLING_STATUS_VALUE.get(s.status, 0.0) for s in live)
    renewals = [s.renewal_on for s in live if s.renewal_on is not None and s.renewal_on >= today]
    renewal_days = float((min(renewals) - today).days) if renewals else None
    return {"renewal_days": renewal_days, "billing_status": billing}
