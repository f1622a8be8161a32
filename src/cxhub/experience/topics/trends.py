"""Trending topics: is a topic's recent volume a spike against its own baseline? (docs/metrics.md)

Pure arithmetic on a daily count series, oldest day first. With R = `recent_days` (7) and
B = `baseline_days` (28), the last R days are compared with the B days before them:

    observed  = sum of the last R days
    mean, std = mean and (population) standard deviation of the B baseline days
    expected  = R * max(mean, FLOOR)          FLOOR = 0.5 / B: a topic never seen before
                                              is expected at half a text per baseline period
    lift      = observed / expected
    p_value   = P(X >= observed) for X ~ Poisson(expected)        (one-sided upper tail)
    z         = (observed - R * mean) / (sqrt(R) * std)           (None when std = 0)

A topic is *trending* when observed >= `min_count` (5: a handful of texts is no trend), lift >= 1.5
and p_value < 0.01. The Poisson test is the decision (it stays valid on the small, often zero,
counts of a young topic, where a z-score is undefined); z is reported for readers used to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scipy.stats import poisson

RECENT_DAYS = 7
BASELINE_DAYS = 28
MIN_COUNT = 5
MIN_LIFT = 1.5
MAX_P_VALUE = 0.01


@dataclass(frozen=True)
class Spike:
    observed: int
    expected: float
    baseline_mean: float
    baseline_std: float
    lift: float
    p_value: float
    z: float | None
    trending: bool


def detect_spike(
    daily: Sequence[int],
    *,
    recent_days: int = RECENT_DAYS,
    baseline_days: int = BASELINE_DAYS,
    min_count: int = MIN_COUNT,
    min_lift: float = MIN_LIFT,
    max_p_value: float = MAX_P_VALUE,
) -> Spike:
    """Judge the last `recent_days` of `daily` against the `baseline_days` before them (a
    shorter series is padded with zero days at its start)."""
    if recent_days < 1 or baseline_days < 1:
        raise ValueError("recent_days and baseline_days are at least 1")
    needed = recent_days + baseline_days
    series = [0] * max(0, needed - len(daily)) + [int(c) for c in daily[-needed:]]
    baseline, recent = series[:baseline_days], series[baseline_days:]
    observed = sum(recent)
    mean = sum(baseline) / baseline_days
    std = math.sqrt(sum((c - mean) ** 2 for c in baseline) / baseline_days)
    expected = recent_days * max(mean, 0.5 / baseline_days)
    p_value = float(poisson.sf(observed - 1, expected)) if observed > 0 else 1.0
    z = (observed - recent_days * mean) / (math.sqrt(recent_days) * std) if std > 0 else None
    lift = observed / expected
    return Spike(
        observed=observed,
        expected=round(expected, 4),
        baseline_mean=round(mean, 4),
        baseline_std=round(std, 4),
        lift=round(lift, 3),
        p_value=p_value,
        z=round(z, 3) if z is not None else None,
        trending=observed >= min_count and lift >= min_lift and p_value < max_p_value,
    )


def daily_counts(moments: Sequence[datetime], *, last_day: date, days: int) -> list[int]:
    """Counts per UTC day for the `days` days ending with `last_day` (oldest first)."""
    first = last_day - timedelta(days=days - 1)
    counts = [0] * days
    for moment in moments:
        index = (moment.date() - first).days
        if 0 <= index < days:
            counts[index] += 1
    return counts
