"""The success summary's pure parts on hand-computed cases: health band distribution, renewal
risk windows, adoption summary, and the period revenue summary."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from cxhub.analytics.revenue import MrrChange, Renewal, RenewalCandidate, months_between
from cxhub.analytics.success import (
    AccountUsage,
    adoption_summary,
    health_distribution,
    monthly_revenue_summaries,
    renewal_risk,
    revenue_summary,
)


def test_health_distribution_counts_bands_in_order_and_unscored_apart() -> None:
    latest = {1: (30.0, "poor"), 2: (75.0, "good"), 3: (None, None), 4: (85.0, "good")}
    found = health_distribution([1, 2, 3, 4, 5], latest, ["poor", "fair", "good"])
    assert [(b.band, b.accounts) for b in found.bands] == [("poor", 1), ("fair", 0), ("good", 2)]
    assert [b.share for b in found.bands] == [pytest.approx(1 / 3), 0.0, pytest.approx(2 / 3)]
    assert (found.scored, found.unscored) == (3, 2)  # 3 insufficient data, 5 never scored
    assert found.average_score == pytest.approx((30 + 75 + 85) / 3)
    empty = health_distribution([], latest, ["poor"])
    assert (empty.average_score, empty.bands[0].share) == (None, None)


def _renewal(sub: int, days: int, cents: int, risk: bool | None) -> Renewal:
    candidate = RenewalCandidate(sub, sub, "pro", "EUR", cents, date(2026, 1, 1))
    return Renewal(candidate, days, 12 * cents, risk)


def test_renewal_windows_are_cumulative_with_at_risk_and_unknown() -> None:
    renewals = [
        _renewal(1, 3, 1_000, True),
        _renewal(2, 29, 2_000, False),
        _renewal(3, 30, 4_000, None),
        _renewal(4, 75, 8_000, True),
    ]
    w30, w60, w90 = renewal_risk(renewals, [90, 30, 60])
    assert (w30.days, w30.subscriptions, w30.arr_cents) == (30, 2, 12 * 3_000)
    assert (w30.at_risk_subscriptions, w30.at_risk_arr_cents) == (1, 12_000)
    assert (w60.subscriptions, w60.unknown_risk_subscriptions) == (3, 1)
    assert (w90.arr_cents, w90.at_risk_arr_cents) == (12 * 15_000, 12 * 9_000)


def test_adoption_summary_over_accounts_with_known_seats() -> None:
    usage = {
        1: AccountUsage(active_users=9, events=100, previous_events=50, licensed_seats=10),
        2: AccountUsage(active_users=3, events=20, previous_events=30, licensed_seats=None),
        3: AccountUsage(active_users=0, events=0, previous_events=20, licensed_seats=5),
    }
    found = adoption_summary(usage)
    assert (found.accounts, found.active_accounts, found.active_seats) == (3, 2, 12)
    assert found.licensed_seats == 15
    assert found.seat_utilisation == pytest.approx(9 / 15)  # account 2 has no licence count
    assert found.usage_trend == pytest.approx(120 / 100)
    assert adoption_summary({}).seat_utilisation is None


def test_revenue_summary_sums_months_and_follows_the_starting_cohort() -> None:
    # Account 1 pays 100 from January, 150 from February 10; account 2 pays 50 in January,
    # leaves on February 1; account 3 joins in February at 30.
    changes = [
        MrrChange(1, 1, date(2026, 1, 1), 100),
        MrrChange(1, 1, date(2026, 2, 10), 150),
        MrrChange(2, 2, date(2026, 1, 1), 50),
        MrrChange(2, 2, date(2026, 2, 1), 0),
        MrrChange(3, 3, date(2026, 2, 15), 30),
    ]
    found = revenue_summary(changes, first=date(2026, 1, 1), last=date(2026, 2, 1))
    totals = found.totals
    assert (totals.start_mrr, totals.end_mrr) == (0, 180)
    assert (totals.new, totals.expansion, totals.churn) == (180, 50, 50)
    assert found.retention.start_mrr == 0  # nobody paid before January
    february = revenue_summary(changes, first=date(2026, 2, 1), last=date(2026, 2, 1))
    # Cohort at the start of February: 1 (100) and 2 (50); at the end 150 and 0.
    assert february.retention.grr == pytest.approx(100 * 100 / 150)
    assert february.retention.nrr == pytest.approx(100 * 150 / 150)
    assert february.retention.logo_churn == pytest.approx(50.0)
    assert february.paying_at_end == frozenset({1, 3})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_monthly_summaries_equal_each_months_own_summary(seed: int) -> None:
    """`monthly_revenue_summaries` (one pass, the success summary by month) gives for every
    month what `revenue_summary` gives for that month alone, on random histories with
    restarts, downgrades to zero and changes before the period."""
    rng = random.Random(seed)
    joined = {account: rng.randint(0, 500) for account in range(1, 16)}  # days after 2025-01-01
    changes = []
    for sequence in range(300):
        account = rng.randint(1, 15)
        day = date(2025, 1, 1) + timedelta(days=joined[account] + rng.randint(0, 200))
        cents = rng.choice([0, 0, 100, 250, 900, 4_000])
        changes.append(MrrChange(rng.randint(1, 40), account, day, cents, sequence))
    first, last = date(2025, 9, 1), date(2026, 6, 1)
    period, found = monthly_revenue_summaries(changes, first=first, last=last)
    assert period == revenue_summary(changes, first=first, last=last)
    assert list(found) == months_between(first, last)
    for month, summary in found.items():
        assert summary == revenue_summary(changes, first=month, last=month), month
    for movement in ("new", "expansion", "contraction", "churn"):  # not trivial
        assert any(getattr(s.totals, movement) for s in found.values()), movement
