"""The health-score formula on the worked example of docs/metrics.md ("Health score")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cxhub.analytics.health import (
    DEFAULT_SCORECARD,
    Component,
    MappingPoint,
    Scorecard,
    explain_change,
    score_account,
)


def _points(*pairs: tuple[float, float]) -> list[MappingPoint]:
    return [MappingPoint(value=v, score=s) for v, s in pairs]


EXAMPLE = Scorecard(
    components=[
        Component(metric="usage_trend", weight=50, points=_points((0.5, 0), (1.0, 70), (1.3, 100))),
        Component(metric="sla_breaches", weight=30, points=_points((0, 100), (1, 70), (5, 0))),
        Component(metric="csat", weight=20, points=_points((50, 0), (80, 70), (95, 100))),
    ]
)


def test_piecewise_linear_mapping() -> None:
    usage, breaches, csat = EXAMPLE.components
    assert usage.score_of(1.15) == pytest.approx(85)
    assert usage.score_of(0.2) == 0  # flat below the first point
    assert usage.score_of(2.0) == 100  # and above the last
    assert breaches.lower_is_better
    assert not usage.lower_is_better
    assert breaches.score_of(3) == pytest.approx(35)
    assert csat.score_of(86) == pytest.approx(82)


def test_worked_example() -> None:
    result = score_account(EXAMPLE, {"usage_trend": 1.15, "sla_breaches": 3, "csat": 86})
    # 0.5 × 85 + 0.3 × 35 + 0.2 × 82
    assert result.score == pytest.approx(69.4)
    assert result.band == "fair"
    assert result.coverage == 1.0
    assert result.missing == []
    assert sum(c.contribution or 0 for c in result.components) == pytest.approx(69.4)


def test_missing_component_is_left_out_and_weights_renormalised() -> None:
    result = score_account(EXAMPLE, {"usage_trend": 1.15, "sla_breaches": 3, "csat": None})
    # (50 × 85 + 30 × 35) / 80
    assert result.score == pytest.approx(66.25)
    assert result.coverage == pytest.approx(0.8)
    assert result.missing == ["csat"]
    csat = result.components[2]
    assert csat.score is None
    assert csat.contribution is None
    assert result.components[0].weight_share == pytest.approx(0.625)


def test_below_minimum_coverage_the_score_is_none_not_zero() -> None:
    result = score_account(EXAMPLE, {"sla_breaches": 0, "usage_trend": float("nan")})
    assert result.coverage == pytest.approx(0.3)
    assert result.score is None
    assert result.band is None
    assert result.insufficient_data
    assert result.missing == ["usage_trend", "csat"]
    assert result.components[1].score == 100  # still reported
    nothing = score_account(EXAMPLE, {})
    assert nothing.score is None
    assert nothing.coverage == 0


def test_exactly_the_minimum_coverage_scores() -> None:
    result = score_account(EXAMPLE, {"usage_trend": 1.0})
    assert result.coverage == 0.5
    assert result.score == pytest.approx(70)
    assert result.band == "good"  # 70 is the first good score


def test_explain_change_sorts_by_impact_and_sums_to_the_change() -> None:
    before = score_account(EXAMPLE, {"usage_trend": 1.0, "sla_breaches": 0, "csat": 86})
    after = score_account(EXAMPLE, {"usage_trend": 1.15, "sla_breaches": 3, "csat": 86})
    assert before.score == pytest.approx(81.4)
    assert before.band == "good"
    change = explain_change(before, after)
    assert change.change == pytest.approx(-12.0)
    assert (change.band_before, change.band_after) == ("good", "fair")
    assert [c.metric for c in change.components] == ["sla_breaches", "usage_trend", "csat"]
    assert [c.change for c in change.components] == pytest.approx([-19.5, 7.5, 0.0])
    assert sum(c.change for c in change.components) == pytest.approx(change.change)


def test_explain_change_with_an_unscored_side() -> None:
    before = score_account(EXAMPLE, {})
    after = score_account(EXAMPLE, {"usage_trend": 1.0})
    change = explain_change(before, after)
    assert change.change is None
    assert change.components[0].metric == "usage_trend"
    assert change.components[0].change == pytest.approx(70)


def _component(metric: str, weight: float, *pairs: tuple[float, float]) -> dict[str, object]:
    points = [{"value": v, "score": s} for v, s in pairs]
    return {"metric": metric, "weight": weight, "points": points}


GOOD = ((0, 0), (1, 100))


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"components": [_component("csat", 90, *GOOD)]}, "sum to 100, not 90"),
        ({"components": [_component("csat", 100, (0, 0))]}, "at least 2"),
        ({"components": [_component("csat", 100, (1, 0), (1, 100))]}, "strictly increasing"),
        ({"components": [_component("csat", 100, (0, 0), (1, 120))]}, "less than or equal"),
        (
            {"components": [_component("csat", 50, *GOOD), _component("csat", 50, *GOOD)]},
            "one component only",
        ),
        (
            {
                "components": [_component("csat", 100, *GOOD)],
                "bands": [{"name": "x", "min_score": 5}],
            },
            "start at 0",
        ),
        (
            {
                "components": [_component("csat", 100, *GOOD)],
                "bands": [{"name": "a", "min_score": 0}, {"name": "b", "min_score": 0}],
            },
            "strictly increasing min_score",
        ),
    ],
)
def test_invalid_definitions(definition: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Scorecard.model_validate(definition)


def test_default_scorecard_is_valid_and_round_trips() -> None:
    assert sum(c.weight for c in DEFAULT_SCORECARD.components) == 100
    assert Scorecard.model_validate(DEFAULT_SCORECARD.model_dump(mode="json")) == DEFAULT_SCORECARD
    assert [b.name for b in DEFAULT_SCORECARD.bands] == ["poor", "fair", "good"]
