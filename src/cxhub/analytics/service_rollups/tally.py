"""What the service KPIs of one group add up from: counts, SLA counts and the raw durations.

A tally is filled from live rows (one duration at a time) and from daily rollups (one sorted
array of a day at a time); it is summarised only once, at the end, so a period split into
rolled-up days and live pieces gives exactly the numbers of one live pass. No database access.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cxhub.analytics.formulas import sorted_duration_summary

#: The duration metrics of a group, by the `KpiGroup` field they summarise.
DURATION_METRICS = ("first_reply", "first_reply_business", "resolution", "resolution_business")

#: Durations are stored as little-endian float64, in ascending order.
_DTYPE = np.dtype("<f8")

FloatArray = npt.NDArray[np.float64]


def pack_durations(values: FloatArray | list[float]) -> bytes:
    """Sorted float64 bytes of the values (empty bytes for none)."""
    array = np.sort(np.asarray(values, dtype=_DTYPE))
    return array.tobytes()


def unpack_durations(blob: bytes | memoryview | None) -> FloatArray:
    if not blob:
        return np.empty(0, dtype=_DTYPE)
    return np.frombuffer(bytes(blob), dtype=_DTYPE)


@dataclass
class KpiTally:
    """The additive parts of one group's KPIs over some part of a period."""

    created: int = 0
    solved: int = 0
    reopened: int = 0
    one_touch: int = 0
    csat_ratings: int = 0
    csat_satisfied: int = 0
    #: SLA metric -> [achieved, breached]; a metric is present once one target counts.
    sla: dict[str, list[int]] = field(default_factory=dict)
    #: Durations added one by one (live rows), per metric.
    values: dict[str, list[float]] = field(default_factory=dict)
    #: Sorted duration arrays added whole (rolled-up days), per metric.
    parts: dict[str, list[FloatArray]] = field(default_factory=dict)

    def add_duration(self, metric: str, seconds: float) -> None:
        self.values.setdefault(metric, []).append(seconds)

    def add_values(self, metric: str, values: list[float]) -> None:
        if values:
            self.values.setdefault(metric, []).extend(values)

    def add_durations(self, metric: str, sorted_values: FloatArray) -> None:
        if len(sorted_values):
            self.parts.setdefault(metric, []).append(sorted_values)

    def add_sla(self, metric: str, achieved: int, breached: int) -> None:
        counts = self.sla.setdefault(metric, [0, 0])
        counts[0] += achieved
        counts[1] += breached

    def durations(self, metric: str) -> FloatArray:
        """Every duration of the metric, in ascending order."""
        parts = list(self.parts.get(metric, ()))
        loose = self.values.get(metric)
        if loose:
            parts.append(np.asarray(loose, dtype=_DTYPE))
        if not parts:
            return np.empty(0, dtype=_DTYPE)
        if len(parts) == 1 and not loose:
            return parts[0]  # one rolled-up day: stored sorted
        return np.sort(np.concatenate(parts))

    def summary(self, metric: str) -> dict[str, float | int | None]:
        """`duration_summary` of the metric, or {} when the group has no duration of it."""
        values = self.durations(metric)
        if not len(values):
            return {}
        return sorted_duration_summary(values)

    def has_rows(self) -> bool:
        """Whether a live pass would have produced a row (and so a group) for this tally."""
        return bool(self.created or self.solved or self.sla or self.csat_ratings)
