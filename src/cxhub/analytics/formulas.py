"""Metric formulas on plain values: the definitions of docs/metrics.md, tested by hand.

A ratio with an empty denominator is undefined (None), never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def percent(part: int, whole: int) -> float | None:
    value = ratio(part, whole)
    return None if value is None else 100.0 * value


def csat_percent(scores: Iterable[int]) -> float | None:
    """CSAT = ratings of 4–5 ÷ all ratings (1–5 scale), as a percentage."""
    values = list(scores)
    for score in values:
        if not 1 <= score <= 5:
            raise ValueError(f"a CSAT rating is 1–5, got {score}")
    return percent(sum(1 for s in values if s >= 4), len(values))


def nps(scores: Iterable[int]) -> float | None:
    """NPS = % promoters (9–10) − % detractors (0–6), from −100 to +100."""
    values = list(scores)
    for score in values:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS answer is 0–10, got {score}")
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return 100.0 * (promoters - detractors) / len(values)


def ces(scores: Iterable[int]) -> float | None:
    """CES = mean answer on the 1–7 scale (higher = easier)."""
    values = list(scores)
    for score in values:
        if not 1 <= score <= 7:
            raise ValueError(f"a CES answer is 1–7, got {score}")
    return None if not values else sum(values) / len(values)


def ces_easy_percent(scores: Iterable[int]) -> float | None:
    """The share of CES answers 5–7 ("easy" on the CES 2.0 agreement scale), as a percentage."""
    values = list(scores)
    for score in values:
        if not 1 <= score <= 7:
            raise ValueError(f"a CES answer is 1–7, got {score}")
    return percent(sum(1 for s in values if s >= 5), len(values))


def nps_groups(scores: Iterable[int]) -> dict[str, int]:
    """Counts of promoters (9–10), passives (7–8) and detractors (0–6)."""
    groups = {"promoters": 0, "passives": 0, "detractors": 0}
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS answer is 0–10, got {score}")
        key = "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"
        groups[key] += 1
    return groups


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolated percentile (numpy's default) of already sorted values."""
    if len(sorted_values) == 0:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be within 0..1")
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(sorted_values[low])
    weight = position - low
    return float(sorted_values[low]) * (1 - weight) + float(sorted_values[high]) * weight


def ascending_sum(sorted_values: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """The sum of the values added one at a time in ascending order (the order fixes the last
    bits of a float sum; a running sum in C gives the same float as a Python loop, and as
    `sum()` before Python 3.12)."""
    if len(sorted_values) == 0:
        return 0.0
    array = np.asarray(sorted_values, dtype=np.float64)
    return float(np.cumsum(array)[-1])


def duration_summary(seconds: Iterable[float]) -> dict[str, float | int | None]:
    """Count, mean, median and 90th percentile of durations (seconds)."""
    return sorted_duration_summary(np.sort(np.fromiter(seconds, dtype=np.float64)))


def sorted_duration_summary(
    values: Sequence[float] | npt.NDArray[np.float64],
) -> dict[str, float | int | None]:
    """`duration_summary` of values already in ascending order (the daily rollups keep them
    sorted, so a period's values are merged instead of fetched and sorted again)."""
    count = len(values)
    return {
        "count": count,
        "mean": None if not count else ascending_sum(values) / count,
        "median": percentile(values, 0.5),  # type: ignore[arg-type]
        "p90": percentile(values, 0.9),  # type: ignore[arg-type]
    }


#: The weights of the connected-experience score (docs/metrics.md, "Connected experience").
CONNECTED_WEIGHTS = {
    "repeat": 0.30,
    "switch": 0.25,
    "repeated_information": 0.15,
    "unresolved": 0.30,
}


def connected_experience_score(
    *,
    repeat_rate: float | None,
    switch_rate: float | None,
    repeated_information_share: float | None,
    fcr_rate: float | None,
) -> float | None:
    """The 0–100 connected-experience score: 100 minus the weighted mean of the four "friction"
    percentages (repeat contacts, channel switches, repeated information, not resolved at first
    contact = 100 − FCR). An undefined input (None: no tickets / no solved tickets) drops out and
    the remaining weights are renormalised; with nothing defined the score is None.

    Example: repeat 20 %, switch 10 %, repeated information 5 %, FCR 70 % →
    100 − (0.30·20 + 0.25·10 + 0.15·5 + 0.30·30) / 1.0 = 81.75."""
    friction = {
        "repeat": repeat_rate,
        "switch": switch_rate,
        "repeated_information": repeated_information_share,
        "unresolved": None if fcr_rate is None else 100.0 - fcr_rate,
    }
    for name, value in friction.items():
        if value is not None and not 0.0 <= value <= 100.0:
            raise ValueError(f"{name} must be a percentage 0–100, got {value}")
    defined = {name: value for name, value in friction.items() if value is not None}
    if not defined:
        return None
    weight = sum(CONNECTED_WEIGHTS[name] for name in defined)
    penalty = sum(CONNECTED_WEIGHTS[name] * value for name, value in defined.items()) / weight
    return round(100.0 - penalty, 4)
