"""The customer-success summary on plain values (no database): one group's revenue movements
and retention, renewals with at-risk ARR, health band distribution and adoption summary
(docs/metrics.md, "Customer success summary"). `analytics.success_kpis` reads the data and
`GET /api/v1/metrics/success` and the revenue dashboard show what these functions return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cxhub.analytics.formulas import ratio
from cxhub.analytics.revenue import (
    MonthMovements,
    MrrChange,
    MrrMovements,
    PeriodRetention,
    Renewal,
    account_mrr_by_month,
    add_months,
    monthly_movements,
    period_retention,
)


@dataclass(frozen=True)
class RevenueSummary:
    """Movements summed over the months of the period; retention of the accounts paying at
    its start (as `GET /metrics/revenue`'s `period`)."""

    months: list[MonthMovements]
    totals: MrrMovements
    retention: PeriodRetention
    paying_at_end: frozenset[int]


def revenue_summary(changes: Iterable[MrrChange], *, first: date, last: date) -> RevenueSummary:
    months, ends = _months_and_ends(changes, first=first, last=last)
    return _summary(months, ends[add_months(first, -1)], ends[last])


def monthly_revenue_summaries(
    changes: Iterable[MrrChange], *, first: date, last: date
) -> tuple[RevenueSummary, dict[date, RevenueSummary]]:
    """`revenue_summary` of the period and of each of its months on its own (the success
    summary by month), from one pass over the history instead of one per month."""
    months, ends = _months_and_ends(changes, first=first, last=last)
    by_month = {
        m.month: _summary([m], ends[add_months(m.month, -1)], ends[m.month]) for m in months
    }
    return _summary(months, ends[add_months(first, -1)], ends[last]), by_month


def _months_and_ends(
    changes: Iterable[MrrChange], *, first: date, last: date
) -> tuple[list[MonthMovements], dict[date, dict[int, int]]]:
    """The movements of each month from `first` to `last`, and every account's MRR at the end
    of each month from the one before `first` (the period's start) to `last`."""
    history = list(changes)
    months = monthly_movements(history, first=first, last=last)
    return months, account_mrr_by_month(history, first=add_months(first, -1), last=last)


def _summary(
    months: list[MonthMovements], at_start: dict[int, int], at_end: dict[int, int]
) -> RevenueSummary:
    sums: dict[str, int] = {}
    for name in ("new", "reactivation", "expansion", "contraction", "churn"):
        sums[name] = sum(getattr(m.movements, name) for m in months)
    for name in (
        "new_accounts",
        "reactivated_accounts",
        "expanded_accounts",
        "contracted_accounts",
        "churned_accounts",
    ):
        sums[name] = sum(getattr(m.movements, name) for m in months)
    totals = MrrMovements(
        start_mrr=months[0].movements.start_mrr,
        end_mrr=months[-1].movements.end_mrr,
        accounts_at_start=months[0].movements.accounts_at_start,
        accounts_at_end=months[-1].movements.accounts_at_end,
        **sums,
    )
    return RevenueSummary(
        months=months,
        totals=totals,
        retention=period_retention(at_start, at_end),
        paying_at_end=frozenset(at_end),
    )


@dataclass(frozen=True)
class RenewalRiskWindow:
    days: int
    subscriptions: int = 0
    arr_cents: int = 0
    at_risk_subscriptions: int = 0
    at_risk_arr_cents: int = 0
    unknown_risk_subscriptions: int = 0


def renewal_risk(renewals: Sequence[Renewal], windows: Sequence[int]) -> list[RenewalRiskWindow]:
    """Per window (cumulative, renewals due in fewer than N days): how many, the ARR due, how
    much of it is at risk (`at_risk` True) and how many have no risk signal (`at_risk` None)."""
    result = []
    for days in sorted(windows):
        due = [r for r in renewals if r.days_until < days]
        risky = [r for r in due if r.at_risk]
        result.append(
            RenewalRiskWindow(
                days=days,
                subscriptions=len(due),
                arr_cents=sum(r.arr_cents for r in due),
                at_risk_subscriptions=len(risky),
                at_risk_arr_cents=sum(r.arr_cents for r in risky),
                unknown_risk_subscriptions=sum(1 for r in due if r.at_risk is None),
            )
        )
    return result


@dataclass(frozen=True)
class BandCount:
    band: str
    accounts: int
    share: float | None


@dataclass(frozen=True)
class HealthDistribution:
    """Accounts per health band (in the scorecard's order), accounts whose latest score is
    "insufficient data" or who were never scored (`unscored`), and the mean score."""

    bands: list[BandCount]
    scored: int
    unscored: int
    average_score: float | None


def health_distribution(
    account_ids: Iterable[int],
    latest: Mapping[int, tuple[float | None, str | None]],
    band_order: Sequence[str],
) -> HealthDistribution:
    counts = dict.fromkeys(band_order, 0)
    scores: list[float] = []
    unscored = 0
    for account_id in account_ids:
        score, band = latest.get(account_id, (None, None))
        if score is None or band is None:
            unscored += 1
            continue
        counts[band] = counts.get(band, 0) + 1
        scores.append(score)
    scored = len(scores)
    return HealthDistribution(
        bands=[BandCount(band, n, ratio(n, scored)) for band, n in counts.items()],
        scored=scored,
        unscored=unscored,
        average_score=sum(scores) / scored if scored else None,
    )


@dataclass(frozen=True)
class AccountUsage:
    """One account's last 30 days (from `adoption.accounts_activity`) and licensed seats."""

    active_users: int = 0
    events: int = 0
    previous_events: int = 0
    licensed_seats: int | None = None


@dataclass(frozen=True)
class AdoptionSummary:
    """`active_accounts`: accounts with at least one active user in 30 days. Seat utilisation
    = active seats ÷ licensed seats over the accounts whose licensed seats are known; usage
    trend = events of the last 30 days ÷ the 30 before, over all accounts."""

    accounts: int
    active_accounts: int
    active_seats: int
    licensed_seats: int
    seat_utilisation: float | None
    events_last_30_days: int
    events_previous_30_days: int
    usage_trend: float | None


def adoption_summary(usage: Mapping[int, AccountUsage]) -> AdoptionSummary:
    known = [u for u in usage.values() if u.licensed_seats]
    active_known = sum(u.active_users for u in known)
    licensed = sum(u.licensed_seats or 0 for u in known)
    events = sum(u.events for u in usage.values())
    previous = sum(u.previous_events for u in usage.values())
    return AdoptionSummary(
        accounts=len(usage),
        active_accounts=sum(1 for u in usage.values() if u.active_users > 0),
        active_seats=sum(u.active_users for u in usage.values()),
        licensed_seats=licensed,
        seat_utilisation=ratio(active_known, licensed),
        events_last_30_days=events,
        events_previous_30_days=previous,
        usage_trend=ratio(events, previous),
    )
