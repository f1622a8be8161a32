"""Gamma-Gamma spend and the shifted-beta-geometric retention model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import gammaln

from cxhub.analytics.clv import gamma_gamma, sbg
from cxhub.analytics.clv._fitting import FitError, maximise_log_likelihood
from cxhub.analytics.clv.gamma_gamma import GammaGammaParams

# Fader & Hardie (2007), "How to project customer retention", table 1: active customers at the
# start and at the end of years 1-7 (of 1,000), and the published fits on those 7 years
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 290, 262, 241]
# years 8-12, not used for the fit: the paper's test of the projection
HIGH_END_LATER = [468, 445, 427, 409, 394]
REGULAR_LATER = [223, 207, 194, 183, 173]


def test_gamma_gamma_likelihood_by_hand() -> None:
    params = GammaGammaParams(p=2.0, q=3.0, gamma=4.0)
    x, m = 2.0, 5.0
    px = 4.0
    expected = (
        gammaln(px + 3)
        - gammaln(px)
        - gammaln(3)
        + 3 * math.log(4)
        + px * math.log(x)
        + (px - 1) * math.log(m)
        - (px + 3) * math.log(4 + m * x)
    )
    assert gamma_gamma.log_likelihood(params, [0, 2], [0, 5])[0] == pytest.approx(expected)


def test_gamma_gamma_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(3)
    p, q, g = 6.0, 4.0, 15.0
    x = rng.integers(1, 8, 6_000).astype(float)
    nu = rng.gamma(q, 1 / g, x.size)
    mean_spend = rng.gamma(p * x, 1 / (nu * x))  # the mean of x Gamma(p, ν) amounts
    fitted = gamma_gamma.fit(np.concatenate([x, [0.0]]), np.concatenate([mean_spend, [0.0]]))
    assert fitted.customers == x.size
    assert fitted.params.p == pytest.approx(p, rel=0.15)
    assert fitted.params.q == pytest.approx(q, rel=0.2)
    assert fitted.params.gamma == pytest.approx(g, rel=0.3)
    assert fitted.frequency_spend_correlation is not None
    assert abs(fitted.frequency_spend_correlation) < 0.1


def test_gamma_gamma_large_fit_matches_the_full_multistart_fit() -> None:
    rng = np.random.default_rng(4)
    x = rng.integers(1, 8, gamma_gamma._SUBSAMPLE + 5_000).astype(float)
    nu = rng.gamma(4.0, 1 / 15.0, x.size)
    m = rng.gamma(6.0 * x, 1 / (nu * x))
    fitted = gamma_gamma.fit(x, m).params
    starts = [(p, q, g * float(np.mean(m)) / 35.0) for p, q, g in gamma_gamma._STARTS]
    full, _ = maximise_log_likelihood(gamma_gamma._Likelihood(x, m), starts)
    assert [fitted.p, fitted.q, fitted.gamma] == pytest.approx(list(full), rel=1e-6)


def test_conditional_spend_worked_example() -> None:
    # docs/metrics.md: p = 6.25, q = 3.74, γ = 15.44, x = 2, m̄ = 35 → 35.04; x = 0 → 35.22
    params = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
    got = gamma_gamma.conditional_expected_spend(params, [2, 0], [35.0, 0.0])
    assert got == pytest.approx([35.04, 35.22], abs=0.01)
    assert params.population_mean_spend == pytest.approx(35.22, abs=0.01)


def test_gamma_gamma_needs_repeat_customers() -> None:
    with pytest.raises(FitError, match="repeat"):
        gamma_gamma.fit([0, 0], [0, 0])


@pytest.mark.parametrize(
    ("active", "later", "alpha", "beta"),
    [(HIGH_END, HIGH_END_LATER, 0.668, 3.806), (REGULAR, REGULAR_LATER, 0.704, 1.182)],
    ids=["high-end", "regular"],
)
def test_sbg_reproduces_fader_hardie(
    active: list[int], later: list[int], alpha: float, beta: float
) -> None:
    fitted = sbg.fit(active)
    assert fitted.params.alpha == pytest.approx(alpha, abs=5e-4)
    assert fitted.params.beta == pytest.approx(beta, abs=5e-4)
    projected = 1000 * sbg.survival(fitted.params, 12)[8:]
    # the paper's point: the projection of years 8-12 stays within a few percent
    assert projected == pytest.approx(later, rel=0.05)


def test_sbg_curves_agree() -> None:
    params = sbg.SbgParams(alpha=0.704, beta=1.182)
    churn = sbg.churn_probabilities(params, 10)
    survival = sbg.survival(params, 10)
    assert survival[1:] == pytest.approx(1 - np.cumsum(churn))
    assert sbg.retention_rates(params, 10) == pytest.approx(survival[1:] / survival[:-1])
    assert np.all(np.diff(sbg.retention_rates(params, 10)) > 0)


@pytest.mark.parametrize("renewals", [0, 4])
def test_derl_is_the_discounted_survival_sum(renewals: int) -> None:
    params = sbg.SbgParams(alpha=0.668, beta=3.806)
    d = 0.1
    n = renewals + 1
    s = sbg.survival(params, 2000)
    brute = sum(s[t] / s[n - 1] / (1 + d) ** (t - n) for t in range(n, 2000))
    assert sbg.discounted_expected_residual_lifetime(params, d, renewals) == pytest.approx(brute)


def test_sbg_refuses_a_cohort_without_churn() -> None:
    with pytest.raises(FitError):
        sbg.fit([100, 100, 100])
    with pytest.raises(FitError):
        sbg.fit([100, 120])
