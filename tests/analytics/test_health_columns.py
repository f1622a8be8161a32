"""The column-wise health scoring and the compact stored breakdown against the per-account
reference (`score_account_data`): the same floats, not merely close ones, on random
populations with missing, NaN, infinite, integer and on-the-point inputs."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import orjson
import pytest

from cxhub.analytics.health import (
    DEFAULT_SCORECARD,
    Band,
    Component,
    MappingPoint,
    Scorecard,
    score_account_data,
)
from cxhub.analytics.health_breakdown import (
    component_scores_of_stored,
    encode_breakdowns,
    result_from_stored,
)
from cxhub.analytics.health_columns import NO_BAND, score_columns

Inputs = dict[str, float | None]


def _random_scorecard(rng: random.Random, metrics: list[str]) -> Scorecard:
    """Random components (2–5 points, rising or falling), weights that sum to 100, 1–4 bands."""
    chosen = rng.sample(metrics, rng.randint(1, len(metrics)))
    cuts = sorted(rng.sample(range(1, 100), len(chosen) - 1))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    components = []
    for metric, weight in zip(chosen, weights, strict=True):
        values = sorted(rng.sample(range(-50, 150), rng.randint(2, 5)))  # distinct
        scale = rng.choice([1, 3, 10])
        points = [MappingPoint(value=v / scale, score=rng.uniform(0, 100)) for v in values]
        components.append(Component(metric=metric, weight=weight, points=points))
    minimums = sorted({0.0, *(round(rng.uniform(1, 99), 3) for _ in range(rng.randint(0, 3)))})
    return Scorecard(
        components=components,
        bands=[Band(name=f"band{i}", min_score=m) for i, m in enumerate(minimums)],
        min_coverage=rng.choice([0.05, 0.3, 0.5, 0.8, 1.0]),
    )


def _random_value(rng: random.Random, component: Component | None) -> float | None:
    draw = rng.random()
    if draw < 0.2:
        return None
    if draw < 0.23:
        return rng.choice([math.nan, math.inf, -math.inf])
    if component is not None and draw < 0.35:  # exactly on a point
        return rng.choice(component.points).value
    if draw < 0.45:
        return float(rng.randint(-3, 8))  # integral counts
    return rng.uniform(-100, 200) if draw < 0.5 else rng.uniform(-1, 3)


def _population(rng: random.Random, card: Scorecard, size: int) -> list[Inputs]:
    by_metric = {c.metric: c for c in card.components}
    metrics = [*by_metric, "unused_metric"]
    population = []
    for _ in range(size):
        inputs = {m: _random_value(rng, by_metric.get(m)) for m in metrics}
        if rng.random() < 0.1:  # some accounts lack a key altogether: missing too
            inputs.pop(rng.choice(metrics))
        population.append(inputs)
    return population


def _columns(population: list[Inputs], metrics: list[str]) -> dict[str, np.ndarray]:
    return {
        m: np.array([np.nan if p.get(m) is None else p[m] for p in population], dtype=np.float64)
        for m in metrics
    }


def _check_parity(card: Scorecard, population: list[Inputs]) -> None:
    metrics = sorted({m for p in population for m in p})
    scored = score_columns(card, _columns(population, metrics), size=len(population))
    bands = scored.band_names()
    breakdowns = encode_breakdowns(
        metrics=scored.metrics, weights=scored.weights, raw=scored.raw, scores=scored.scores
    )
    for row, inputs in enumerate(population):
        expected = score_account_data(card, inputs)
        assert scored.result_data(row) == expected, (row, inputs)
        assert bands[row] == expected["band"]
        score = float(scored.score[row])
        assert (None if math.isnan(score) else score) == expected["score"]
        stored = orjson.loads(breakdowns[row])
        rebuilt = result_from_stored(
            stored, score=expected["score"], band=expected["band"], coverage=expected["coverage"]
        )
        assert rebuilt == expected, (row, inputs)
        assert component_scores_of_stored(stored) == {
            c["metric"]: c["score"] for c in expected["components"]
        }


@pytest.mark.parametrize("seed", range(6))
def test_random_scorecards_match_the_per_account_reference(seed: int) -> None:
    rng = random.Random(seed)
    metrics = [c.metric for c in DEFAULT_SCORECARD.components]
    card = _random_scorecard(rng, metrics)
    _check_parity(card, _population(rng, card, 1500))


def test_default_scorecard_matches_the_per_account_reference() -> None:
    rng = random.Random(42)
    _check_parity(DEFAULT_SCORECARD, _population(rng, DEFAULT_SCORECARD, 5000))


def test_missing_data_rules_hold_column_wise() -> None:
    card = DEFAULT_SCORECARD
    population: list[Inputs] = [
        {},  # nothing: insufficient, every component missing
        {"billing_status": 1.0, "support_load": 0.0, "seat_utilisation": 0.0},  # 30 % < 50 %
        {c.metric: c.points[0].value for c in card.components},  # full coverage, on the points
    ]
    scored = score_columns(card, _columns(population, [c.metric for c in card.components]), size=3)
    assert [int(b) for b in scored.band] == [NO_BAND, NO_BAND, scored.band[2]]
    assert scored.band_names()[:2] == [None, None]
    assert math.isnan(scored.score[0])
    assert math.isnan(scored.score[1])
    assert scored.coverage.tolist() == pytest.approx([0.0, 0.3, 1.0])
    third = scored.result_data(2)
    assert third["missing"] == []
    assert sum(c["contribution"] for c in third["components"]) == pytest.approx(third["score"])
    assert scored.result_data(1)["missing"] == [
        "usage_trend", "feature_breadth", "urgent_share", "sla_breaches", "csat",
        "renewal_days", "days_since_engagement",
    ]  # fmt: skip
    empty = score_columns(card, {}, size=0)
    assert empty.size == 0
    assert empty.band_names() == []


def test_full_breakdowns_stored_before_the_compact_format_still_read() -> None:
    legacy: dict[str, Any] = score_account_data(DEFAULT_SCORECARD, {"billing_status": 1.0})
    assert result_from_stored(legacy, score=None, band=None, coverage=0.1) == legacy
    assert component_scores_of_stored(legacy)["billing_status"] == 100.0
    assert result_from_stored({}, score=None, band=None, coverage=0.0) == {}
    assert component_scores_of_stored(None) == {}


def test_compact_breakdown_is_less_than_half_the_full_one() -> None:
    inputs = {c.metric: c.points[0].value + 0.123456789 for c in DEFAULT_SCORECARD.components}
    full = orjson.dumps(score_account_data(DEFAULT_SCORECARD, inputs))
    scored = score_columns(DEFAULT_SCORECARD, {k: np.array([v]) for k, v in inputs.items()}, size=1)
    compact = encode_breakdowns(
        metrics=scored.metrics, weights=scored.weights, raw=scored.raw, scores=scored.scores
    )[0]
    assert len(compact) < len(full) / 2
