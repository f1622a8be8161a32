"""From a transaction log to (x, tₓ, T, m̄) and the holdout counts."""

from __future__ import annotations

from datetime import date

import pytest

from cxhub.analytics.clv.summary import TimeUnit, summarise_transactions

D = date


def test_summary_by_hand() -> None:
    summary = summarise_transactions(
        ["a", "a", "a", "a", "b", "c", "a", "b"],
        [
            D(2024, 1, 1),
            D(2024, 1, 8),
            D(2024, 1, 8),
            D(2024, 1, 15),
            D(2024, 1, 10),
            D(2024, 2, 1),
            D(2024, 1, 20),
            D(2024, 1, 25),
        ],
        [10, 5, 7, 20, 3, 4, 9, 6],
        calibration_end=D(2024, 1, 15),
        time_unit=TimeUnit.days,
    )
    # c first bought after the calibration end: not in the summary
    assert summary.customer_ids == ["a", "b"]
    # a: days 1, 8 (two transactions, one purchase day: 12), 15 → x = 2, m̄ = (12 + 20)/2
    assert list(summary.frequency) == [2, 0]
    assert list(summary.recency) == [14, 0]
    assert list(summary.age) == [14, 5]
    assert list(summary.monetary_value) == [16, 0]
    assert summary.holdout_frequency is not None
    assert list(summary.holdout_frequency) == [1, 1]
    # the holdout runs to the last date in the log (c's purchase on 1 Feb), 17 days
    assert summary.holdout_end == D(2024, 2, 1)
    assert summary.holdout_duration == 17


def test_weeks_and_no_calibration_end() -> None:
    summary = summarise_transactions(["a", "a"], [D(2024, 1, 1), D(2024, 1, 15)])
    assert list(summary.recency) == [2.0]
    assert list(summary.age) == [2.0]
    assert summary.holdout_frequency is None


def test_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        summarise_transactions(["a"], [D(2024, 1, 1), D(2024, 1, 2)])
