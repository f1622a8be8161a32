"""Shifted-beta-geometric (sBG) retention for subscriptions (Fader & Hardie 2007, "How to project
customer retention"; DERL from Fader & Hardie 2010, "Customer-base valuation in a contractual
setting: the perils of ignoring heterogeneity").

At the end of each period an active subscriber cancels with probability θ, and θ ~ Beta(α, β)
across subscribers. With T the period of cancellation:

    P(T = 1) = α/(α + β),   P(T = t) = (β + t − 2)/(α + β + t − 1) · P(T = t − 1)
    S(t) = 1 − Σ_{i ≤ t} P(T = i) = B(α, β + t)/B(α, β)
    retention r_t = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1)   (rises with t: sorting, not
    changing behaviour)

A cohort is given as the number of subscribers still active at the start (period 0) and at the
end of each period 1..n; n₀ − n₁ cancelled in period 1, … and nₙ are still active (censored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, digamma, hyp2f1

from cxhub.analytics.clv._fitting import FitError, maximise_log_likelihood

FloatArray = NDArray[np.float64]

_STARTS = ((1.0, 1.0), (0.5, 3.0), (3.0, 0.5), (0.1, 0.1))


@dataclass(frozen=True)
class SbgParams:
    alpha: float
    beta: float


@dataclass(frozen=True)
class SbgFit:
    params: SbgParams
    log_likelihood: float
    periods: int


def churn_probabilities(params: SbgParams, periods: int) -> FloatArray:
    """P(T = t) for t = 1..periods."""
    t = np.arange(1, periods + 1, dtype=np.float64)
    result: FloatArray = np.exp(
        betaln(params.alpha + 1.0, params.beta + t - 1.0) - betaln(params.alpha, params.beta)
    )
    return result


def survival(params: SbgParams, periods: int) -> FloatArray:
    """S(t) for t = 0..periods (S(0) = 1)."""
    t = np.arange(0, periods + 1, dtype=np.float64)
    result: FloatArray = np.exp(
        betaln(params.alpha, params.beta + t) - betaln(params.alpha, params.beta)
    )
    return result


def retention_rates(params: SbgParams, periods: int) -> FloatArray:
    """r_t = (β + t − 1)/(α + β + t − 1) for t = 1..periods."""
    t = np.arange(1, periods + 1, dtype=np.float64)
    result: FloatArray = (params.beta + t - 1.0) / (params.alpha + params.beta + t - 1.0)
    return result


def _cohort(active: Sequence[float]) -> FloatArray:
    counts = np.asarray(active, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 2:
        raise FitError("give the number of active subscribers at period 0 and at least one more")
    if np.any(counts < 0) or np.any(np.diff(counts) > 0):
        raise FitError("active subscriber counts must be non-negative and never increase")
    if counts[0] == counts[-1]:
        raise FitError("nobody cancelled: the sBG model cannot be fitted")
    return counts


class _Likelihood:
    def __init__(self, counts: FloatArray) -> None:
        self.lost = counts[:-1] - counts[1:]
        self.still_active = float(counts[-1])
        self.t = np.arange(1, counts.size, dtype=np.float64)
        self.n = float(counts[0])

    def __call__(self, log_params: FloatArray) -> tuple[float, FloatArray]:
        alpha, beta = (float(v) for v in np.exp(log_params))
        t, lost = self.t, self.lost
        last = float(t[-1])
        base = betaln(alpha, beta)
        total = float(lost @ (betaln(alpha + 1.0, beta + t - 1.0) - base)) + self.still_active * (
            betaln(alpha, beta + last) - base
        )
        d_base_a = digamma(alpha) - digamma(alpha + beta)
        d_base_b = digamma(beta) - digamma(alpha + beta)
        d_churn_a = digamma(alpha + 1.0) - digamma(alpha + beta + t) - d_base_a
        d_churn_b = digamma(beta + t - 1.0) - digamma(alpha + beta + t) - d_base_b
        d_surv_a = digamma(alpha) - digamma(alpha + beta + last) - d_base_a
        d_surv_b = digamma(beta + last) - digamma(alpha + beta + last) - d_base_b
        grad_a = float(lost @ d_churn_a) + self.still_active * d_surv_a
        grad_b = float(lost @ d_churn_b) + self.still_active * d_surv_b
        if not np.isfinite(total):
            return float("inf"), np.zeros(2)
        gradient = np.array([grad_a * alpha, grad_b * beta])
        return -total / self.n, -gradient / self.n


def fit(active: Sequence[float]) -> SbgFit:
    """Maximum-likelihood (α, β) from a cohort's active counts at periods 0, 1, …, n."""
    counts = _cohort(active)
    best, mean_negative = maximise_log_likelihood(_Likelihood(counts), _STARTS)
    return SbgFit(
        params=SbgParams(alpha=float(best[0]), beta=float(best[1])),
        log_likelihood=-mean_negative * float(counts[0]),
        periods=counts.size - 1,
    )


def discounted_expected_residual_lifetime(
    params: SbgParams, discount_rate: float, renewals: int = 0
) -> float:
    """DERL: the expected number of future payments, discounted, of a subscriber who has made
    `renewals` renewals and is about to decide on the next one (Fader & Hardie 2010, eq. 6):

        DERL(d | α, β, n − 1 renewals) = Σ_{t ≥ n} S(t)/S(n − 1) · (1 + d)^−(t − n)
            = (β + n − 1)/(α + β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d))

    with n = renewals + 1: the next payment (made if they renew now) is not discounted, the one
    after by one period, and so on. The residual value of the subscriber is DERL × margin per
    period; d is the discount rate per period.
    """
    if discount_rate <= 0:
        raise ValueError("DERL needs a positive discount rate (otherwise the sum may diverge)")
    n = renewals + 1
    alpha, beta = params.alpha, params.beta
    v = 1.0 / (1.0 + discount_rate)
    retained = (beta + n - 1.0) / (alpha + beta + n - 1.0)
    return float(retained * hyp2f1(1.0, beta + n, alpha + beta + n, v))
