"""The account health-score formula on plain values (no database): docs/health.md.

A scorecard is a list of components. Each component maps one raw input (a usage trend ratio,
a count of SLA breaches, days since the last CSM call…) to 0–100 through piecewise-linear
points and carries a weight; the weights sum to 100. The score is the weighted mean of the
component scores that have data: a component without data is left out and the remaining
weights are re-normalised, `coverage` says which share of the weight had data, and below
`min_coverage` the score is `None` ("insufficient data"), never 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEIGHT_TOTAL = 100.0
_TOLERANCE = 1e-6


class MappingPoint(BaseModel):
    """Raw value `value` scores `score`; between two points the score is linear."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(allow_inf_nan=False)
    score: float = Field(ge=0, le=100, allow_inf_nan=False)


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    label: str | None = Field(default=None, max_length=120)
    weight: float = Field(gt=0, le=100, allow_inf_nan=False)
    points: list[MappingPoint] = Field(min_length=2, max_length=20)

    @field_validator("points")
    @classmethod
    def _increasing(cls, points: list[MappingPoint]) -> list[MappingPoint]:
        values = [p.value for p in points]
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise ValueError("the points' values must be strictly increasing")
        return points

    @property
    def lower_is_better(self) -> bool:
        return self.points[-1].score < self.points[0].score

    def score_of(self, raw: float) -> float:
        """Piecewise-linear: flat below the first and above the last point."""
        points = self.points
        if raw <= points[0].value:
            return points[0].score
        if raw >= points[-1].value:
            return points[-1].score
        for low, high in itertools.pairwise(points):
            if raw <= high.value:
                share = (raw - low.value) / (high.value - low.value)
                return low.score + share * (high.score - low.score)
        return points[-1].score  # pragma: no cover - unreachable


class Band(BaseModel):
    """A score of at least `min_score` (and below the next band's) is in this band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=32)
    min_score: float = Field(ge=0, le=100, allow_inf_nan=False)


DEFAULT_BANDS = [
    Band(name="poor", min_score=0),
    Band(name="fair", min_score=40),
    Band(name="good", min_score=70),
]


class Scorecard(BaseModel):
    """A scorecard definition, as stored in `health_scorecards.definition`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    components: list[Component] = Field(min_length=1, max_length=30)
    bands: list[Band] = Field(default_factory=lambda: list(DEFAULT_BANDS), min_length=1)
    min_coverage: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> Scorecard:
        metrics = [c.metric for c in self.components]
        if len(set(metrics)) != len(metrics):
            raise ValueError("each metric may appear in one component only")
        total = sum(c.weight for c in self.components)
        if abs(total - WEIGHT_TOTAL) > _TOLERANCE:
            raise ValueError(f"the weights must sum to 100, not {total:g}")
        minimums = [b.min_score for b in self.bands]
        if minimums[0] != 0:
            raise ValueError("the first band must start at 0")
        if any(b <= a for a, b in itertools.pairwise(minimums)):
            raise ValueError("bands must be listed by strictly increasing min_score")
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError("band names must be unique")
        return self

    def band_of(self, score: float | None) -> str | None:
        if score is None:
            return None
        found = self.bands[0].name
        for band in self.bands:
            if score >= band.min_score:
                found = band.name
        return found


class ComponentScore(BaseModel):
    """One component of one result. `weight_share` is the re-normalised weight (0–1) among the
    components with data; `contribution` = score × weight_share, so contributions sum to the
    total score. A component without data has `raw`, `score` and `contribution` None."""

    metric: str
    weight: float
    raw: float | None
    score: float | None
    weight_share: float | None
    contribution: float | None


class HealthResult(BaseModel):
    score: float | None
    band: str | None
    coverage: float
    missing: list[str]
    components: list[ComponentScore]

    @property
    def insufficient_data(self) -> bool:
        return self.score is None


def _usable(raw: float | None) -> bool:
    return raw is not None and not math.isnan(raw) and not math.isinf(raw)


def score_account_data(scorecard: Scorecard, inputs: Mapping[str, float | None]) -> dict[str, Any]:
    """Score one account's raw inputs (a metric absent from `inputs` counts as missing), as the
    JSON data of a `HealthResult` (what the daily rescore stores, without building models)."""
    usable = {c.metric: _usable(inputs.get(c.metric)) for c in scorecard.components}
    covered = sum(c.weight for c in scorecard.components if usable[c.metric])
    coverage = covered / WEIGHT_TOTAL
    sufficient = any(usable.values()) and coverage + _TOLERANCE >= scorecard.min_coverage
    components: list[dict[str, Any]] = []
    total = 0.0
    for component in scorecard.components:
        raw = inputs.get(component.metric)
        if not usable[component.metric] or raw is None:
            components.append(
                {
                    "metric": component.metric,
                    "weight": component.weight,
                    "raw": None,
                    "score": None,
                    "weight_share": None,
                    "contribution": None,
                }
            )
            continue
        value = component.score_of(float(raw))
        share = component.weight / covered
        total += value * share
        components.append(
            {
                "metric": component.metric,
                "weight": component.weight,
                "raw": float(raw),
                "score": value,
                "weight_share": share,
                "contribution": value * share if sufficient else None,
            }
        )
    score = total if sufficient else None
    return {
        "score": score,
        "band": scorecard.band_of(score),
        "coverage": coverage,
        "missing": [c.metric for c in scorecard.components if not usable[c.metric]],
        "components": components,
    }


def score_account(scorecard: Scorecard, inputs: Mapping[str, float | None]) -> HealthResult:
    """Score one account's raw inputs (a metric absent from `inputs` counts as missing)."""
    return HealthResult.model_validate(score_account_data(scorecard, inputs))


class ComponentChange(BaseModel):
    metric: str
    raw_before: float | None
    raw_after: float | None
    contribution_before: float | None
    contribution_after: float | None
    change: float


class HealthChange(BaseModel):
    """Why a score changed: per component, the change of its contribution (a component without
    data, or a result without a score, contributes 0), largest absolute change first. When both
    results have a score, the changes sum to `change`."""

    score_before: float | None
    score_after: float | None
    change: float | None
    band_before: str | None
    band_after: str | None
    components: list[ComponentChange]


def explain_change(before: HealthResult, after: HealthResult) -> HealthChange:
    earlier = {c.metric: c for c in before.components}
    later = {c.metric: c for c in after.components}
    changes = []
    for metric in list(later) + [m for m in earlier if m not in later]:
        old, new = earlier.get(metric), later.get(metric)
        old_part = old.contribution if old else None
        new_part = new.contribution if new else None
        changes.append(
            ComponentChange(
                metric=metric,
                raw_before=old.raw if old else None,
                raw_after=new.raw if new else None,
                contribution_before=old_part,
                contribution_after=new_part,
                change=(new_part or 0.0) - (old_part or 0.0),
            )
        )
    changes.sort(key=lambda c: (-abs(c.change), c.metric))
    change = (
        after.score - before.score if after.score is not None and before.score is not None else None
    )
    return HealthChange(
        score_before=before.score,
        score_after=after.score,
        change=change,
        band_before=before.band,
        band_after=after.band,
        components=changes,
    )


def _points(*pairs: tuple[float, float]) -> list[MappingPoint]:
    return [MappingPoint(value=v, score=s) for v, s in pairs]


#: The scorecard a workspace gets until it defines its own (docs/health.md).
DEFAULT_SCORECARD = Scorecard(
    components=[
        Component(
            metric="usage_trend",
            label="Usage trend (last 30 days ÷ the 30 before)",
            weight=20,
            points=_points((0.5, 0), (1.0, 70), (1.3, 100)),
        ),
        Component(
            metric="feature_breadth",
            label="Features used ÷ features used in the workspace",
            weight=10,
            points=_points((0.0, 0), (0.5, 70), (0.8, 100)),
        ),
        Component(
            metric="seat_utilisation",
            label="Active seats ÷ licensed seats",
            weight=10,
            points=_points((0.2, 0), (0.6, 70), (0.9, 100)),
        ),
        Component(
            metric="support_load",
            label="Tickets opened in 30 days per active seat",
            weight=10,
            points=_points((0.0, 100), (0.5, 70), (2.0, 0)),
        ),
        Component(
            metric="urgent_share",
            label="Share of urgent/high tickets in 30 days",
            weight=5,
            points=_points((0.0, 100), (0.2, 70), (0.5, 0)),
        ),
        Component(
            metric="sla_breaches",
            label="SLA breaches in 30 days",
            weight=10,
            points=_points((0, 100), (1, 70), (5, 0)),
        ),
        Component(
            metric="csat",
            label="CSAT % of the last 90 days",
            weight=10,
            points=_points((50, 0), (80, 70), (95, 100)),
        ),
        Component(
            metric="renewal_days",
            label="Days to the next renewal",
            weight=5,
            points=_points((0, 40), (90, 100)),
        ),
        Component(
            metric="billing_status",
            label="Billing status (1 active, 0.7 trialing, 0 past due or ended)",
            weight=10,
            points=_points((0, 0), (1, 100)),
        ),
        Component(
            metric="days_since_engagement",
            label="Days since the last CSM call, meeting or email",
            weight=10,
            points=_points((0, 100), (30, 70), (90, 0)),
        ),
    ]
)
