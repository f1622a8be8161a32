"""Revenue formulas on plain values: the worked examples of docs/metrics.md, by hand."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from cxhub.analytics.revenue import (
    MrrChange,
    RenewalCandidate,
    account_mrr_by_month,
    add_months,
    cohort_table,
    monthly_movements,
    months_between,
    mrr_movements,
    parse_month,
    period_retention,
    renewals_pipeline,
)

A, B, C, D, E, F = 1, 2, 3, 4, 5, 6
# docs/metrics.md, March 2026, in cents.
END_OF_FEB = {A: 10_000, B: 20_000, C: 10_000, E: 12_000}
END_OF_MAR = {A: 15_000, B: 20_000, D: 8_000, E: 10_000, F: 6_000}
PAID_BEFORE = {A, B, C, E, F}  # F paid 50 in December


def test_mrr_movements_worked_example() -> None:
    m = mrr_movements(END_OF_FEB, END_OF_MAR, PAID_BEFORE)
    assert (m.start_mrr, m.end_mrr) == (52_000, 59_000)
    assert (m.new, m.reactivation, m.expansion, m.contraction, m.churn) == (
        8_000,
        6_000,
        5_000,
        2_000,
        10_000,
    )
    assert m.start_mrr + m.new + m.reactivation + m.expansion - m.contraction - m.churn == 59_000
    assert (m.new_accounts, m.reactivated_accounts, m.churned_accounts) == (1, 1, 1)
    assert (m.expanded_accounts, m.contracted_accounts, m.accounts_at_start) == (1, 1, 4)


def test_grr_nrr_and_logo_churn_worked_example() -> None:
    m = mrr_movements(END_OF_FEB, END_OF_MAR, PAID_BEFORE)
    assert m.grr == pytest.approx(100 * 400 / 520)  # 76.9 %
    assert m.nrr == pytest.approx(100 * 450 / 520)  # 86.5 %
    assert m.logo_churn == pytest.approx(25.0)
    assert round(m.grr, 1) == 76.9
    assert round(m.nrr, 1) == 86.5
    # revenue churn 100 / 520 = 19.2 % while logo churn is 25 %
    assert round(100 * m.churn / m.start_mrr, 1) == 19.2


def test_cohort_form_agrees_for_one_month() -> None:
    period = period_retention(END_OF_FEB, END_OF_MAR)
    assert (period.start_mrr, period.cohort_end_mrr, period.capped_end_mrr) == (
        52_000,
        45_000,
        40_000,
    )
    monthly = mrr_movements(END_OF_FEB, END_OF_MAR, PAID_BEFORE)
    assert period.grr == pytest.approx(monthly.grr)
    assert period.nrr == pytest.approx(monthly.nrr)
    assert period.logo_churn == pytest.approx(monthly.logo_churn)


def test_restart_without_earlier_payment_is_new() -> None:
    m = mrr_movements({}, {F: 6_000}, set())
    assert (m.new, m.reactivation) == (6_000, 0)


def test_empty_start_makes_ratios_undefined() -> None:
    m = mrr_movements({}, {D: 8_000}, set())
    assert m.grr is None
    assert m.nrr is None
    assert m.logo_churn is None
    assert period_retention({}, {}).nrr is None


def test_negative_mrr_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        mrr_movements({A: -1}, {}, set())


def test_months() -> None:
    assert parse_month("2026-03") == date(2026, 3, 1)
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 1), date(2026, 2, 1))[-1] == date(2026, 2, 1)
    for bad in ("2026-3", "2026/03", "march", "2026-13"):
        with pytest.raises(ValueError, match="month"):
            parse_month(bad)


def test_account_mrr_at_month_end_from_history() -> None:
    history = [
        MrrChange(1, A, date(2026, 1, 10), 10_000, 1),
        MrrChange(1, A, date(2026, 3, 15), 15_000, 2),
        MrrChange(2, A, date(2026, 2, 1), 3_000, 3),  # a second subscription of A
        MrrChange(2, A, date(2026, 2, 28), 0, 4),  # ends on the last day of February
        MrrChange(3, B, date(2026, 3, 31), 7_000, 5),
        MrrChange(3, B, date(2026, 3, 31), 9_000, 6),  # same day: the later change wins
    ]
    months = account_mrr_by_month(history, first=date(2025, 12, 1), last=date(2026, 3, 1))
    assert months[date(2025, 12, 1)] == {}
    assert months[date(2026, 1, 1)] == {A: 10_000}
    assert months[date(2026, 2, 1)] == {A: 10_000}
    assert months[date(2026, 3, 1)] == {A: 15_000, B: 9_000}


def _worked_example_history() -> list[MrrChange]:
    """The March table as subscriptions started and changed on chosen dates."""
    return [
        MrrChange(1, A, date(2026, 1, 10), 10_000, 1),
        MrrChange(1, A, date(2026, 3, 15), 15_000, 2),
        MrrChange(2, B, date(2026, 1, 5), 20_000, 3),
        MrrChange(3, C, date(2026, 2, 1), 10_000, 4),
        MrrChange(3, C, date(2026, 3, 20), 0, 5),
        MrrChange(4, D, date(2026, 3, 3), 8_000, 6),
        MrrChange(5, E, date(2026, 1, 1), 12_000, 7),
        MrrChange(5, E, date(2026, 3, 10), 10_000, 8),
        MrrChange(6, F, date(2025, 12, 1), 5_000, 9),
        MrrChange(6, F, date(2026, 1, 1), 0, 10),
        MrrChange(7, F, date(2026, 3, 5), 6_000, 11),
    ]


def test_monthly_movements_rebuild_the_worked_example_and_reactivation() -> None:
    months = monthly_movements(
        _worked_example_history(), first=date(2025, 12, 1), last=date(2026, 3, 1)
    )
    by_month = {m.month: m.movements for m in months}
    assert by_month[date(2025, 12, 1)].new == 5_000
    january = by_month[date(2026, 1, 1)]
    assert (january.new, january.churn, january.churned_accounts) == (42_000, 5_000, 1)
    assert by_month[date(2026, 2, 1)].new == 10_000
    march = by_month[date(2026, 3, 1)]
    assert (march.start_mrr, march.end_mrr, march.reactivation, march.new) == (
        52_000,
        59_000,
        6_000,
        8_000,
    )
    assert march.logo_churn == pytest.approx(25.0)
    for earlier, later in itertools.pairwise(months):
        assert later.movements.start_mrr == earlier.movements.end_mrr


def test_window_starting_late_still_sees_old_payments() -> None:
    (march,) = monthly_movements(
        _worked_example_history(), first=date(2026, 3, 1), last=date(2026, 3, 1)
    )
    assert march.movements.reactivation == 6_000


def test_cohort_table() -> None:
    snapshots = {
        date(2026, 1, 1): {A: 100, B: 100},
        date(2026, 2, 1): {A: 150, C: 200},
        date(2026, 3, 1): {A: 150, C: 100},
    }
    january, february = cohort_table(snapshots)
    assert (january.start_month, january.accounts, january.start_mrr) == (date(2026, 1, 1), 2, 200)
    assert [c.paying_accounts for c in january.cells] == [2, 1, 1]
    assert [c.logo_retention for c in january.cells] == [100.0, 50.0, 50.0]
    assert [c.revenue_retention for c in january.cells] == [100.0, 75.0, 75.0]
    assert [c.revenue_retention for c in february.cells] == [100.0, 50.0]
    assert cohort_table(snapshots, first=date(2026, 2, 1))[0].start_month == date(2026, 2, 1)


def test_renewal_windows() -> None:
    today = date(2026, 3, 1)

    def due(subscription_id: int, days: int, currency: str = "EUR") -> RenewalCandidate:
        return RenewalCandidate(
            subscription_id, A, "pro", currency, 1_000, date.fromordinal(today.toordinal() + days)
        )

    candidates = [due(1, -1), due(2, 0), due(3, 29), due(4, 30), due(5, 59, "USD"), due(6, 89)]
    candidates.append(due(7, 90))
    windows, renewals = renewals_pipeline(candidates, today=today)
    assert [w.days for w in windows] == [30, 60, 90]
    assert windows[0].subscriptions == {"EUR": 2}
    assert windows[1].subscriptions == {"EUR": 3, "USD": 1}
    assert windows[2].arr_cents == {"EUR": 4 * 12_000, "USD": 12_000}
    assert [r.candidate.subscription_id for r in renewals] == [2, 3, 4, 5, 6]
    assert all(r.at_risk is None for r in renewals)
    _, flagged = renewals_pipeline(candidates, today=today, at_risk=lambda cs: {3: True})
    assert [r.at_risk for r in flagged][:2] == [None, True]
