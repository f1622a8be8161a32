"""The spike test on hand-made daily series (formula in trends.py and docs/metrics.md)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from scipy.stats import poisson

from cxhub.experience.topics.trends import daily_counts, detect_spike


def test_a_steady_topic_is_not_trending() -> None:
    spike = detect_spike([2] * 35)
    assert spike.observed == 14
    assert spike.expected == 14.0
    assert spike.baseline_std == 0.0
    assert spike.z is None
    assert spike.lift == 1.0
    assert not spike.trending


def test_a_tripled_week_is_a_spike() -> None:
    # baseline 28 days alternating 1 and 3: mean 2, std 1; last week 6 a day = 42
    series = [1, 3] * 14 + [6] * 7
    spike = detect_spike(series)
    assert spike.observed == 42
    assert spike.baseline_mean == 2.0
    assert spike.baseline_std == 1.0
    assert spike.expected == 14.0
    assert spike.lift == 3.0
    assert spike.z == pytest.approx((42 - 14) / math.sqrt(7), abs=1e-3)
    assert spike.p_value == pytest.approx(float(poisson.sf(41, 14.0)))
    assert spike.p_value < 1e-6
    assert spike.trending


def test_a_new_topic_needs_a_minimum_count() -> None:
    # never seen before: expected = 7 * 0.5 / 28 = 0.125
    four = detect_spike([0] * 31 + [1, 1, 1, 1])
    assert four.expected == 0.125
    assert four.observed == 4
    assert not four.trending  # below min_count 5 however unlikely
    five = detect_spike([0] * 30 + [1] * 5)
    assert five.trending
    assert five.lift == 40.0


def test_a_modest_rise_is_not_enough() -> None:
    # mean 10/day, last week 12/day: lift 1.2 < 1.5 even though p is small-ish
    spike = detect_spike([10] * 28 + [12] * 7)
    assert spike.lift == pytest.approx(1.2)
    assert not spike.trending


def test_short_series_are_padded_and_bad_windows_refused() -> None:
    assert detect_spike([5, 5]).observed == 10
    assert detect_spike([]).observed == 0
    assert detect_spike([]).p_value == 1.0
    with pytest.raises(ValueError, match="at least 1"):
        detect_spike([1], recent_days=0)


def test_daily_counts_bucket_by_utc_day() -> None:
    moments = [
        datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 23, 59, tzinfo=UTC),
        datetime(2026, 6, 3, 12, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 12, 0, tzinfo=UTC),  # outside
    ]
    assert daily_counts(moments, last_day=date(2026, 6, 3), days=3) == [2, 0, 1]
