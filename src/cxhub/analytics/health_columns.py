"""The health-score formula of `analytics.health` applied to every account at once, one NumPy
operation per component instead of one Python loop per account (docs/health.md; the daily
rescore scores 100,000 accounts, where the per-account loop alone cost 4–5 s).

`score_account_data` stays the definition: this module performs the same floating-point
operations in the same order (the weights summed component by component, each score
interpolated as `low.score + share × (high.score − low.score)`, the total accumulated in
component order), so every score, band, coverage, weight share and contribution is the very
same float, not merely a close one (`tests/analytics/test_health_columns.py` checks equality on
random populations with missing and non-finite inputs).

Missing data is NaN in the columns: None, NaN and ±inf inputs all count as missing, as in
`score_account_data`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cxhub.analytics.health import _TOLERANCE, WEIGHT_TOTAL, Component, Scorecard
from cxhub.analytics.health_breakdown import result_from_parts

FloatArray = npt.NDArray[np.float64]
NO_BAND = -1


@dataclass(frozen=True)
class ScoredColumns:
    """The scores of `size` accounts by one scorecard, row i = the i-th account given.

    `raw` and `scores` are (accounts × components) in the scorecard's component order, NaN
    where the component had no data; `score` is NaN where the data was insufficient; `band` is
    the index in `bands` (NO_BAND where there is no score)."""

    metrics: list[str]
    weights: list[float]
    bands: list[str]
    raw: FloatArray
    scores: FloatArray
    coverage: FloatArray
    score: FloatArray
    band: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.score.shape[0])

    def band_names(self) -> list[str | None]:
        """The band of each account as `score_account_data` names it (None: no score)."""
        names: list[str | None] = [*self.bands, None]  # index NO_BAND (-1) → None
        return [names[i] for i in self.band.tolist()]

    def result_data(self, row: int) -> dict[str, Any]:
        """Row `row` as the JSON data of a `HealthResult`, i.e. what `score_account_data`
        returns for that account (used by tests and by callers that need one breakdown)."""
        raw = [None if np.isnan(v) else float(v) for v in self.raw[row].tolist()]
        scores = [None if np.isnan(v) else float(v) for v in self.scores[row].tolist()]
        score = float(self.score[row])
        band = int(self.band[row])
        return result_from_parts(
            metrics=self.metrics,
            weights=self.weights,
            raw=raw,
            scores=scores,
            score=None if np.isnan(score) else score,
            band=None if band == NO_BAND else self.bands[band],
            coverage=float(self.coverage[row]),
        )


def _component_scores(
    component: Component, raw: FloatArray, usable: npt.NDArray[np.bool_]
) -> FloatArray:
    """`Component.score_of` of every usable value (NaN elsewhere): flat outside the points,
    linear between the two points around the value (the first point at or above it)."""
    values = np.array([p.value for p in component.points], dtype=np.float64)
    points = np.array([p.score for p in component.points], dtype=np.float64)
    result = np.full(raw.shape, np.nan)
    below = usable & (raw <= values[0])
    above = usable & ~below & (raw >= values[-1])
    inside = usable & ~below & ~above
    result[below] = points[0]
    result[above] = points[-1]
    x = raw[inside]
    high = np.searchsorted(values, x, side="left")  # values[high - 1] < x <= values[high]
    low = high - 1
    share = (x - values[low]) / (values[high] - values[low])
    result[inside] = points[low] + share * (points[high] - points[low])
    return result


def score_columns(
    scorecard: Scorecard, inputs: Mapping[str, npt.ArrayLike], *, size: int
) -> ScoredColumns:
    """Score `size` accounts whose raw inputs are `inputs` (metric → one value per account,
    NaN/None for no data; a metric absent from `inputs` is missing for every account)."""
    count = len(scorecard.components)
    raw = np.full((size, count), np.nan)
    for j, component in enumerate(scorecard.components):
        column = inputs.get(component.metric)
        if column is not None:
            raw[:, j] = np.asarray(column, dtype=np.float64)
    usable = np.isfinite(raw)
    raw[~usable] = np.nan
    weights = [c.weight for c in scorecard.components]
    covered = np.zeros(size)
    for j, weight in enumerate(weights):  # the reference sums present weights in this order
        covered = covered + np.where(usable[:, j], weight, 0.0)
    coverage = covered / WEIGHT_TOTAL
    sufficient = usable.any(axis=1) & (coverage + _TOLERANCE >= scorecard.min_coverage)
    scores = np.full((size, count), np.nan)
    total = np.zeros(size)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, component in enumerate(scorecard.components):
            scores[:, j] = _component_scores(component, raw[:, j], usable[:, j])
            share = weights[j] / covered
            total = total + np.where(usable[:, j], scores[:, j] * share, 0.0)
    score = np.where(sufficient, total, np.nan)
    band = np.full(size, NO_BAND, dtype=np.int64)
    for index, named in enumerate(scorecard.bands):  # the last band reached wins
        band[sufficient & (score >= named.min_score)] = index
    band[sufficient & (band == NO_BAND)] = 0  # below the first band's minimum: still the first
    return ScoredColumns(
        metrics=[c.metric for c in scorecard.components],
        weights=weights,
        bands=[b.name for b in scorecard.bands],
        raw=raw,
        scores=scores,
        coverage=coverage,
        score=score,
        band=band,
    )
