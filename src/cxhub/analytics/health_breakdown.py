"""The stored breakdown of a health score (`account_health_scores.components`), compactly.

A `HealthResult` repeats, per component, its metric, weight, raw value, score, weight share and
contribution (~1.2 KB of JSON for the default scorecard). The shares and contributions follow
from the others, and the score, band and coverage are columns of the same row, so the daily
rescore stores only what cannot be derived (~0.6 KB):

    {"format": 2, "metrics": [...], "weights": [...], "raw": [...], "scores": [...]}

(`null` where a component had no data). `result_from_stored` rebuilds the full `HealthResult`
data with the same floating-point operations `score_account_data` used, so the history, the
"why it changed" deltas and the API answer exactly what a full breakdown held. Rows written
before this format (a full `HealthResult`, no `format` key) are read as they are. The metric
names and weights stay in every row on purpose: a scorecard can be edited later, and a past
day's breakdown must keep the weights it was scored with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

BREAKDOWN_FORMAT = 2


def result_from_parts(
    *,
    metrics: Sequence[str],
    weights: Sequence[float],
    raw: Sequence[float | None],
    scores: Sequence[float | None],
    score: float | None,
    band: str | None,
    coverage: float,
) -> dict[str, Any]:
    """A `HealthResult`'s JSON data from each component's raw value and score (None: no data)
    and the account's score, band and coverage: the weight shares and contributions are
    derived exactly as `score_account_data` derives them (weight ÷ the sum of the present
    weights, summed in component order; contribution = score × share when there is a score)."""
    covered = sum(w for w, r in zip(weights, raw, strict=True) if r is not None)
    components: list[dict[str, Any]] = []
    for metric, weight, value, part in zip(metrics, weights, raw, scores, strict=True):
        if value is None or part is None:
            components.append(
                {"metric": metric, "weight": weight, "raw": None, "score": None,
                 "weight_share": None, "contribution": None}
            )  # fmt: skip
            continue
        share = weight / covered
        components.append(
            {"metric": metric, "weight": weight, "raw": value, "score": part,
             "weight_share": share, "contribution": part * share if score is not None else None}
        )  # fmt: skip
    return {
        "score": score,
        "band": band,
        "coverage": coverage,
        "missing": [m for m, r in zip(metrics, raw, strict=True) if r is None],
        "components": components,
    }


def floats_or_none(values: npt.NDArray[np.float64]) -> Any:
    """`values.tolist()` with None for NaN (nested lists for a matrix), in C-level passes
    rather than a Python test per value."""
    boxed = values.astype(object)
    boxed[np.isnan(values)] = None
    return boxed.tolist()


def encode_breakdowns(
    *,
    metrics: Sequence[str],
    weights: Sequence[float],
    raw: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
) -> list[str]:
    """The compact breakdown of each row of `raw` / `scores` (accounts × components, NaN =
    no data) as JSON text, ready for the driver."""
    header = {"format": BREAKDOWN_FORMAT, "metrics": list(metrics), "weights": list(weights)}
    return [
        orjson.dumps(header | {"raw": values, "scores": parts}).decode()
        for values, parts in zip(floats_or_none(raw), floats_or_none(scores), strict=True)
    ]


def result_from_stored(
    stored: dict[str, Any] | None, *, score: float | None, band: str | None, coverage: float
) -> dict[str, Any]:
    """The `HealthResult` data of a stored row: compact breakdowns are expanded, full ones
    (written before the compact format) returned as stored."""
    if not stored or stored.get("format") != BREAKDOWN_FORMAT:
        return stored or {}
    return result_from_parts(
        metrics=stored["metrics"],
        weights=stored["weights"],
        raw=stored["raw"],
        scores=stored["scores"],
        score=score,
        band=band,
        coverage=coverage,
    )


def component_scores_of_stored(stored: dict[str, Any] | None) -> dict[str, float | None]:
    """Each component's score (None: no data) of a stored breakdown, in either format."""
    if not stored:
        return {}
    if stored.get("format") == BREAKDOWN_FORMAT:
        return dict(zip(stored["metrics"], stored["scores"], strict=True))
    return {c["metric"]: c.get("score") for c in stored.get("components", [])}
