"""BG/NBD: the likelihood by hand, parameter recovery on simulated customers, predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import hyp2f1

from cxhub.analytics.clv import bgnbd
from cxhub.analytics.clv._fitting import FitError, maximise_log_likelihood
from cxhub.analytics.clv.bgnbd import BgNbdParams

CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_likelihood_by_hand() -> None:
    params = BgNbdParams(r=1.0, alpha=2.0, a=1.0, b=2.0)
    # x = 0, T = 2: B(1,2)/B(1,2) · Γ(1)·2 / (Γ(1)·4) = 0.5
    # x = 1, tₓ = 1, T = 3: B(1,3)/B(1,2) = (1/3)/(1/2) = 2/3; Γ(2)·2/(Γ(1)·5²) = 2/25
    #   + B(2,2)/B(1,2) = (1/6)/(1/2) = 1/3; Γ(2)·2/(Γ(1)·3²) = 2/9
    expected = [math.log(0.5), math.log(2 / 3 * 2 / 25 + 1 / 3 * 2 / 9)]
    got = bgnbd.log_likelihood(params, [0, 1], [0, 1], [2, 3])
    assert got == pytest.approx(expected, rel=1e-12)


def _simulate(params: BgNbdParams, customers: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params.r, 1.0 / params.alpha, customers)
    dropout = rng.beta(params.a, params.b, customers)
    age = rng.uniform(20.0, 40.0, customers)
    x = np.zeros(customers)
    last = np.zeros(customers)
    now = np.zeros(customers)
    active = np.ones(customers, dtype=bool)
    while active.any():
        now[active] += rng.exponential(1.0 / np.maximum(rate[active], 1e-12))
        bought = active & (now < age)
        x[bought] += 1
        last[bought] = now[bought]
        active = bought & (rng.uniform(size=customers) >= dropout)
    return x, last, age


def test_recovers_simulated_parameters() -> None:
    truth = BgNbdParams(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, tx, t = _simulate(truth, 8_000, seed=7)
    fitted = bgnbd.fit(x, tx, t).params
    assert fitted.r == pytest.approx(truth.r, rel=0.15)
    assert fitted.alpha == pytest.approx(truth.alpha, rel=0.25)
    assert fitted.a == pytest.approx(truth.a, rel=0.35)
    assert fitted.b == pytest.approx(truth.b, rel=0.45)


def test_gradient_matches_finite_differences() -> None:
    x, tx, t = _simulate(BgNbdParams(0.5, 5.0, 0.8, 2.5), 500, seed=1)
    objective = bgnbd._Likelihood(x, tx, t)
    point = np.log([0.4, 3.0, 1.2, 2.0])
    _, gradient = objective(point)
    step = 1e-6
    numeric = [
        (objective(point + step * e)[0] - objective(point - step * e)[0]) / (2 * step)
        for e in np.eye(4)
    ]
    assert gradient == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def _daily(params: BgNbdParams, customers: int, seed: int) -> tuple[np.ndarray, ...]:
    """Simulated summaries with times rounded to whole days, so rows repeat."""
    x, tx, t = _simulate(params, customers, seed)
    return x, np.floor(tx * 7.0) / 7.0, np.round(t * 7.0) / 7.0


def test_distinct_rows_and_weights_give_the_same_likelihood() -> None:
    x, tx, t = _daily(BgNbdParams(0.5, 5.0, 0.8, 2.5), 3_000, seed=2)
    rows = bgnbd._distinct_rows(x, tx, t)
    order = np.lexsort((t, tx, x))
    keys = np.stack([x[order], tx[order], t[order]], axis=1)
    distinct, counts = np.unique(keys, axis=0, return_counts=True)
    assert rows[0].size < x.size  # some customers share a row
    assert np.array_equal(np.stack(rows[:3], axis=1), distinct)
    assert np.array_equal(rows[3], counts)
    point = np.log([0.4, 3.0, 1.2, 2.0])
    value, gradient = bgnbd._Likelihood(x, tx, t)(point)
    weighted_value, weighted_gradient = bgnbd._Likelihood(*rows)(point)
    assert weighted_value == pytest.approx(value, rel=1e-12)
    assert weighted_gradient == pytest.approx(gradient, rel=1e-9, abs=1e-12)


def test_large_fit_matches_the_full_multistart_fit() -> None:
    # above the subsample size the starts run on a sample and only the best is polished on all
    x, tx, t = _daily(BgNbdParams(0.5, 5.0, 0.8, 2.5), bgnbd._SUBSAMPLE + 5_000, seed=4)
    fitted = bgnbd.fit(x, tx, t)
    scale = float(np.mean(t))
    starts = [(r, alpha * scale, a, b) for r, alpha, a, b in bgnbd._STARTS]
    full, _ = maximise_log_likelihood(bgnbd._Likelihood(x, tx, t), starts)
    got = fitted.params
    assert [got.r, got.alpha, got.a, got.b] == pytest.approx(list(full), rel=1e-6)


@pytest.mark.parametrize("rounded", [True, False])
def test_scoring_in_one_pass_equals_the_separate_predictions(rounded: bool) -> None:
    # rounded times: the (x, T) pairs are found in a table; continuous ones: by sorting codes
    x, tx, t = _simulate(CDNOW, 2_000, seed=5)
    if rounded:
        x, tx, t = _daily(CDNOW, 2_000, seed=5)
    horizons, factors = [4.0, 8.0, 13.0], [0.99, 0.98, 0.97]
    expected, discounted, alive = bgnbd.future_transactions(CDNOW, horizons, factors, x, tx, t)
    assert alive == pytest.approx(bgnbd.probability_alive(CDNOW, x, tx, t), rel=1e-14)
    by_pair = np.array(
        [bgnbd.conditional_expected_transactions(CDNOW, 13.0, [xi], [ri], [ti])[0]
         for xi, ri, ti in zip(x[:50], tx[:50], t[:50], strict=True)]
    )  # fmt: skip
    assert expected[:50] == pytest.approx(by_pair, rel=1e-12)
    steps = [bgnbd.conditional_expected_transactions(CDNOW, h, x, tx, t) for h in [0.0, *horizons]]
    manual = sum(f * (b - a) for f, a, b in zip(factors, steps[:-1], steps[1:], strict=True))
    assert discounted == pytest.approx(manual, rel=1e-12, abs=1e-15)


def test_probability_alive_worked_example() -> None:
    # docs/metrics.md: x = 2, tₓ = 30, T = 38 → 0.730; no repeat purchase → alive
    assert bgnbd.probability_alive(CDNOW, [2, 0], [30, 0], [38, 38]) == pytest.approx(
        [0.730, 1.0], abs=5e-4
    )


def test_conditional_expectation_worked_examples() -> None:
    got = bgnbd.conditional_expected_transactions(CDNOW, 52, [2, 0], [30, 0], [38, 38])
    assert got == pytest.approx([1.592, 0.257], abs=1e-3)
    # the paper's example: x = 2, tₓ = 30.43, T = 38.86 → 1.226 in the next 39 weeks
    paper = bgnbd.conditional_expected_transactions(CDNOW, 39, [2], [30.43], [38.86])
    assert paper[0] == pytest.approx(1.226, abs=2e-3)


def test_stable_form_equals_the_papers_form() -> None:
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    x, tx, t, horizon = 3.0, 20.0, 30.0, 40.0
    z = horizon / (alpha + t + horizon)
    direct = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + t) / (alpha + t + horizon)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, z)
        )
        * bgnbd.probability_alive(CDNOW, [x], [tx], [t])[0]
    )
    stable = bgnbd.conditional_expected_transactions(CDNOW, horizon, [x], [tx], [t])[0]
    assert stable == pytest.approx(direct, rel=1e-10)
    # frequent buyers over long horizons stay finite
    big = bgnbd.conditional_expected_transactions(CDNOW, 520, [300], [38], [39])
    assert np.isfinite(big).all()
    assert big[0] > 100


def test_population_expectation_grows_with_time() -> None:
    values = bgnbd.expected_transactions(CDNOW, np.array([0.0, 13.0, 52.0, 104.0]))
    assert values[0] == 0
    assert np.all(np.diff(values) > 0)


def test_refuses_data_without_repeat_purchases() -> None:
    with pytest.raises(FitError, match="repeat"):
        bgnbd.fit([0, 0], [0, 0], [5, 6])
    with pytest.raises(FitError, match="recency"):
        bgnbd.fit([1], [7], [5])
