"""Invariants of the metric formulas for any input (hypothesis): bounds, order and permutation
invariance, the MRR bridge, GRR ≤ 100 and GRR ≤ NRR, health scores within 0..100."""

from __future__ import annotations

import itertools
import math
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from cxhub.analytics.formulas import ces, csat_percent, duration_summary, nps, percentile
from cxhub.analytics.health import Component, MappingPoint, Scorecard, score_account
from cxhub.analytics.revenue import (
    MrrChange,
    account_mrr_by_month,
    monthly_movements,
    mrr_movements,
    period_retention,
)

FAST = settings(max_examples=100, deadline=None)

csat_scores = st.lists(st.integers(1, 5), max_size=60)
nps_scores = st.lists(st.integers(0, 10), max_size=60)
ces_scores = st.lists(st.integers(1, 7), max_size=60)
account_mrr = st.dictionaries(st.integers(1, 30), st.integers(0, 10**7), max_size=20)


@FAST
@given(scores=csat_scores, data=st.data())
def test_survey_scores_are_bounded_and_order_free(scores: list[int], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(scores))
    value = csat_percent(scores)
    assert value == csat_percent(shuffled)
    assert (value is None) == (not scores)
    if value is not None:
        assert 0.0 <= value <= 100.0
        # Adding a 5 never lowers CSAT; adding a 1 never raises it.
        assert csat_percent([*scores, 5]) >= value  # type: ignore[operator]
        assert csat_percent([*scores, 1]) <= value  # type: ignore[operator]


@FAST
@given(scores=nps_scores, data=st.data())
def test_nps_is_within_minus_100_and_100(scores: list[int], data: st.DataObject) -> None:
    value = nps(scores)
    assert value == nps(data.draw(st.permutations(scores)))
    if value is None:
        assert scores == []
        return
    assert -100.0 <= value <= 100.0
    promoters = 100.0 * sum(s >= 9 for s in scores) / len(scores)
    assert value <= promoters + 1e-9


@FAST
@given(scores=ces_scores)
def test_ces_is_a_mean_on_its_scale(scores: list[int]) -> None:
    value = ces(scores)
    if value is None:
        assert scores == []
        return
    assert min(scores) <= value <= max(scores)


@FAST
@given(
    values=st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=80),
    low=st.floats(0, 1),
    high=st.floats(0, 1),
)
def test_percentiles_are_monotonic_and_within_the_data(
    values: list[float], low: float, high: float
) -> None:
    ordered = sorted(values)
    low, high = min(low, high), max(low, high)
    p_low, p_high = percentile(ordered, low), percentile(ordered, high)
    assert p_low is not None
    assert p_high is not None
    assert ordered[0] - 1e-6 <= p_low <= p_high + 1e-6
    assert p_high <= ordered[-1] + 1e-6
    summary = duration_summary(values)
    assert summary["count"] == len(values)
    assert summary["median"] is not None
    assert summary["p90"] is not None
    assert summary["median"] <= summary["p90"] + 1e-6  # type: ignore[operator]


@FAST
@given(start=account_mrr, end=account_mrr, ever=st.sets(st.integers(1, 30)))
def test_mrr_movements_bridge_start_to_end(
    start: dict[int, int], end: dict[int, int], ever: set[int]
) -> None:
    moves = mrr_movements(start, end, ever)
    assert moves.start_mrr == sum(start.values())
    assert moves.end_mrr == sum(end.values())
    assert moves.end_mrr == (
        moves.start_mrr + moves.new + moves.reactivation + moves.expansion
        - moves.contraction - moves.churn
    )  # fmt: skip
    assert min(moves.new, moves.reactivation, moves.expansion, moves.contraction, moves.churn) >= 0
    if moves.start_mrr == 0:
        assert moves.grr is None
        assert moves.nrr is None
    else:
        assert moves.grr is not None
        assert moves.nrr is not None
        assert 0.0 <= moves.grr <= 100.0
        assert moves.grr <= moves.nrr + 1e-9
    if moves.logo_churn is not None:
        assert 0.0 <= moves.logo_churn <= 100.0
    # Accounts are interchangeable: renaming them changes nothing.
    rename = {a: 1000 - a for a in start.keys() | end.keys() | ever}
    renamed = mrr_movements(
        {rename[a]: v for a, v in start.items()},
        {rename[a]: v for a, v in end.items()},
        {rename[a] for a in ever},
    )
    assert renamed == moves


@FAST
@given(start=account_mrr, end=account_mrr)
def test_period_retention_bounds(start: dict[int, int], end: dict[int, int]) -> None:
    retention = period_retention(start, end)
    assert retention.capped_end_mrr <= retention.start_mrr
    assert retention.capped_end_mrr <= retention.cohort_end_mrr
    if retention.start_mrr == 0:
        assert retention.grr is None
        assert retention.nrr is None
        return
    assert retention.grr is not None
    assert retention.nrr is not None
    assert 0.0 <= retention.grr <= 100.0
    assert retention.grr <= retention.nrr + 1e-9
    assert retention.logo_churn is not None
    assert 0.0 <= retention.logo_churn <= 100.0
    # Accounts that only start paying later do not change the cohort's retention.
    newcomers = {a + 100: v for a, v in end.items()}
    assert period_retention(start, {**end, **newcomers}) == retention


changes = st.lists(
    st.builds(
        MrrChange,
        subscription_id=st.integers(1, 6),
        account_id=st.integers(1, 4),
        effective_on=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
        mrr_cents=st.integers(0, 50_000),
        sequence=st.integers(0, 10**6),
    ),
    max_size=30,
    unique_by=lambda c: (c.effective_on, c.sequence),
)


@FAST
@given(history=changes, data=st.data())
def test_monthly_mrr_ignores_input_order_and_chains(
    history: list[MrrChange], data: st.DataObject
) -> None:
    first, last = date(2025, 1, 1), date(2025, 12, 1)
    snapshots = account_mrr_by_month(history, first=first, last=last)
    shuffled = data.draw(st.permutations(history))
    assert account_mrr_by_month(shuffled, first=first, last=last) == snapshots
    months = monthly_movements(history, first=first, last=last)
    assert [m.month for m in months] == sorted(snapshots)
    for earlier, later in itertools.pairwise(months):
        assert later.movements.start_mrr == earlier.movements.end_mrr
    for month in months:
        assert month.movements.end_mrr == sum(snapshots[month.month].values())


points = st.lists(
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(0, 100)),
    min_size=2,
    max_size=6,
    unique_by=lambda p: p[0],
).map(lambda ps: [MappingPoint(value=v, score=s) for v, s in sorted(ps)])


def _scorecard(parts: list[tuple[str, int, list[MappingPoint]]]) -> Scorecard:
    """Relative integer weights scaled to sum to 100, as a scorecard requires."""
    total = sum(weight for _, weight, _ in parts)
    weights = [100 * weight / total for _, weight, _ in parts]
    weights[-1] = 100 - sum(weights[:-1])
    return Scorecard(
        components=[
            Component(metric=metric, weight=weight, points=mapping)
            for (metric, _, mapping), weight in zip(parts, weights, strict=True)
        ],
        min_coverage=0.3,
    )


scorecards = st.lists(
    st.tuples(
        st.sampled_from(["logins", "seats", "tickets", "nps", "usage"]), st.integers(1, 50), points
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda c: c[0],
).map(_scorecard)
raw_values = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e7, 1e7)
)


@FAST
@given(scorecard=scorecards, data=st.data())
def test_health_scores_stay_within_0_and_100(scorecard: Scorecard, data: st.DataObject) -> None:
    inputs = {c.metric: data.draw(raw_values) for c in scorecard.components}
    result = score_account(scorecard, inputs)
    assert 0.0 <= result.coverage <= 1.0 + 1e-9
    if result.score is None:
        assert result.band is None
        return
    assert -1e-9 <= result.score <= 100.0 + 1e-9
    contributions = [c.contribution for c in result.components if c.contribution is not None]
    assert math.isclose(sum(contributions), result.score, rel_tol=1e-9, abs_tol=1e-9)
    # The order of the inputs does not matter.
    reordered = dict(reversed(list(inputs.items())))
    assert score_account(scorecard, reordered).score == result.score
    # The score lies between the lowest and highest component score.
    component_scores = [c.score for c in result.components if c.score is not None]
    assert min(component_scores) - 1e-9 <= result.score <= max(component_scores) + 1e-9
