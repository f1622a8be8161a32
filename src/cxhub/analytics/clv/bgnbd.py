"""BG/NBD: how many purchases a non-contractual customer will make (Fader, Hardie & Lee 2005,
"Counting your customers the easy way: an alternative to the Pareto/NBD model").

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase
they drop out with probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases),
tₓ (time of the last purchase, from the first) and T (time from the first purchase to the end of
calibration), all in one time unit.

Individual likelihood (paper eq. 6, in logs):

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+tₓ)^(r+x))

No hypergeometric function is needed for the fit; the Γ ratios depend on x only, so they are
evaluated once per distinct x and gathered, which keeps a million-customer evaluation to a few
vector operations. ₂F₁ appears only in the predictions (eq. 9 and 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln, hyp2f1

from cxhub.analytics.clv._fitting import FitError, maximise_log_likelihood, weighted_sum

FloatArray = NDArray[np.float64]

# starting points (r, α, a, b), α relative to the mean of T; tried in order, best kept
_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.25, 0.1, 0.8, 2.5), (2.0, 10.0, 0.3, 5.0), (0.5, 1.0, 2.0, 2.0))
# above this many customers the starts run on a deterministic subsample, the best is then polished
# on everybody (the likelihood is smooth and unimodal in practice; this only saves time)
_SUBSAMPLE = 50_000


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class BgNbdFit:
    params: BgNbdParams
    log_likelihood: float
    customers: int


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def validate_summary(frequency: FloatArray, recency: FloatArray, age: FloatArray) -> None:
    if not (frequency.shape == recency.shape == age.shape) or frequency.ndim != 1:
        raise FitError("frequency, recency and T must be one-dimensional and of equal length")
    if frequency.size == 0:
        raise FitError("no customers to fit")
    if np.any(frequency < 0) or np.any(frequency != np.floor(frequency)):
        raise FitError("frequency must be a non-negative whole number of repeat purchases")
    if np.any(recency < 0) or np.any(recency > age + 1e-9):
        raise FitError("recency must lie between 0 and T")
    if np.any((frequency == 0) & (recency != 0)):
        raise FitError("a customer without repeat purchases has recency 0")


class _Likelihood:
    """The mean negative log-likelihood and its gradient in log-parameters, for L-BFGS-B.

    One-time buyers (x = tₓ = 0) contribute r log α − r log(α + T) only, so they are kept apart
    from the repeat buyers, whose two-term mixture is evaluated row by row. Every sum is a
    `weighted_sum` (no BLAS), each row standing for `weights` identical customers."""

    def __init__(
        self,
        frequency: FloatArray,
        recency: FloatArray,
        age: FloatArray,
        weights: FloatArray | None = None,
    ) -> None:
        weights = np.ones_like(frequency) if weights is None else weights
        self.n = float(weights.sum())
        self.unique_x, inverse = np.unique(frequency, return_inverse=True)
        self.counts: FloatArray = np.asarray(
            np.bincount(inverse.reshape(-1), weights=weights, minlength=self.unique_x.size),
            dtype=np.float64,
        )
        repeat = frequency > 0
        self.zero_age = age[~repeat]
        self.zero_weights = weights[~repeat]
        self.x = frequency[repeat]
        self.recency = recency[repeat]
        self.age = age[repeat]
        self.weights = weights[repeat]

    def __call__(self, log_params: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = (float(v) for v in np.exp(log_params))
        ux, counts, weights = self.unique_x, self.counts, self.weights
        # terms that depend on x only, per distinct x (all zero for x = 0)
        gamma_terms = (
            gammaln(r + ux)
            - gammaln(r)
            + gammaln(a + b)
            + gammaln(b + ux)
            - gammaln(b)
            - gammaln(a + b + ux)
        )
        log_alpha = np.log(alpha)
        # one-time buyers
        zero_log_t = np.log(alpha + self.zero_age)
        zero_sum_log_t = weighted_sum(zero_log_t, self.zero_weights)
        # repeat buyers: log(first + second), w = second's share
        r_x = r + self.x
        log_alpha_t = np.log(alpha + self.age)
        log_alpha_tx = np.log(alpha + self.recency)
        b_x = b - 1.0 + self.x
        first = -r_x * log_alpha_t
        second = np.log(a) - np.log(b_x) - r_x * log_alpha_tx
        mixture = np.logaddexp(first, second)
        w = np.exp(second - mixture)
        total = (
            weighted_sum(gamma_terms, counts)
            + self.n * r * log_alpha
            - r * zero_sum_log_t
            + weighted_sum(mixture, weights)
        )
        if not np.isfinite(total):
            return float("inf"), np.zeros(4)
        weighted_w = w * weights
        grad_r = (
            weighted_sum(digamma(r + ux) - digamma(r), counts)
            + self.n * log_alpha
            - zero_sum_log_t
            - weighted_sum(log_alpha_t, weights)
            - weighted_sum(log_alpha_tx - log_alpha_t, weighted_w)
        )
        inv_t = 1.0 / (alpha + self.age)
        grad_alpha = (
            self.n * r / alpha
            - r * weighted_sum(1.0 / (alpha + self.zero_age), self.zero_weights)
            - weighted_sum(
                r_x, inv_t * weights + (1.0 / (alpha + self.recency) - inv_t) * weighted_w
            )
        )
        grad_a = (
            weighted_sum(digamma(a + b) - digamma(a + b + ux), counts) + float(weighted_w.sum()) / a
        )
        grad_b = weighted_sum(
            digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux), counts
        ) - weighted_sum(1.0 / b_x, weighted_w)
        gradient = np.array([grad_r * r, grad_alpha * alpha, grad_a * a, grad_b * b])
        return -total / self.n, -gradient / self.n


def log_likelihood(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """Each customer's log-likelihood (paper eq. 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, tx, t = _as_float(frequency), _as_float(recency), _as_float(age)
    common = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    first = -(r + x) * np.log(alpha + t)
    with np.errstate(invalid="ignore", divide="ignore"):
        second = np.where(
            x > 0,
            np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    result: FloatArray = common + np.logaddexp(first, second)
    return result


def fit(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters for customers summarised as (x, tₓ, T)."""
    x, tx, t = _as_float(frequency), _as_float(recency), _as_float(age)
    validate_summary(x, tx, t)
    if not np.any(x > 0):
        raise FitError("no customer made a repeat purchase: BG/NBD cannot be fitted")
    customers = x.size
    scale = float(np.mean(t)) or 1.0
    starts = [(r, alpha * scale, a, b) for r, alpha, a, b in _STARTS]
    if x.size > _SUBSAMPLE:
        pick = np.random.default_rng(0).choice(x.size, _SUBSAMPLE, replace=False)
        sample = _Likelihood(*_distinct_rows(x[pick], tx[pick], t[pick]))
        coarse, _ = maximise_log_likelihood(sample, starts)
        starts = [tuple(coarse)]
    best, mean_negative = maximise_log_likelihood(_Likelihood(*_distinct_rows(x, tx, t)), starts)
    r, alpha, a, b = (float(v) for v in best)
    return BgNbdFit(
        params=BgNbdParams(r=r, alpha=alpha, a=a, b=b),
        log_likelihood=-mean_negative * customers,
        customers=int(customers),
    )


def _distinct_rows(
    x: FloatArray, tx: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The distinct (x, tₓ, T) rows, ordered by x, then tₓ, then T, and how many customers share
    each: summaries of daily logs repeat a lot (every one-time buyer of the same day is the same
    row). One-time buyers (x = tₓ = 0, validated) differ only in T, so they need a one-key sort;
    the three-key `lexsort` runs on the repeat buyers only (about a third of them, 3× faster)."""
    once = x == 0
    zero_t, zero_counts = np.unique(t[once], return_counts=True)
    repeat = ~once
    x, tx, t = x[repeat], tx[repeat], t[repeat]
    order = np.lexsort((t, tx, x))
    x, tx, t = x[order], tx[order], t[order]
    new = np.ones(x.size, dtype=bool)
    new[1:] = (x[1:] != x[:-1]) | (tx[1:] != tx[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, x.size))
    zeros = np.zeros(zero_t.size)
    return (
        np.concatenate([zeros, x[starts]]),
        np.concatenate([zeros, tx[starts]]),
        np.concatenate([zero_t, t[starts]]),
        np.concatenate([zero_counts, counts]).astype(np.float64),
    )


def expected_transactions(params: BgNbdParams, duration: ArrayLike) -> FloatArray:
    """E[X(t)]: expected purchases in (0, t] of a customer picked at random at time 0 (eq. 9)."""
    zeros = np.zeros_like(_as_float(duration))
    return _expected_future(params, _as_float(duration), zeros, zeros, alive=np.ones_like(zeros))


def probability_alive(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """P(alive | x, tₓ, T) = 1 / (1 + [x > 0] · a/(b + x − 1) · ((α + T)/(α + tₓ))^(r + x))."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, tx, t = _as_float(frequency), _as_float(recency), _as_float(age)
    log_odds = (
        np.log(a)
        - np.log(b + np.maximum(x, 1.0) - 1.0)
        + (r + x) * (np.log(alpha + t) - np.log(alpha + tx))
    )
    dead_odds = np.where(x > 0, np.exp(np.minimum(log_odds, 700.0)), 0.0)
    result: FloatArray = 1.0 / (1.0 + dead_odds)
    return result


def conditional_expected_transactions(
    params: BgNbdParams,
    duration: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """E[Y(t) | x, tₓ, T]: expected purchases in the next t time units (paper eq. 10)."""
    return discounted_expected_transactions(params, [duration], [1.0], frequency, recency, age)


def discounted_expected_transactions(
    params: BgNbdParams,
    horizons: Sequence[float],
    discount_factors: Sequence[float],
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """Σₖ dₖ · (E[Y(tₖ) | x, tₓ, T] − E[Y(tₖ₋₁) | x, tₓ, T]) with t₀ = 0: the purchases expected
    in each period (tₖ₋₁, tₖ], each weighted by its discount factor dₖ.

    E[Y(t) | …] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)]
    · P(alive), z = t/(α+T+t) (eq. 10). The bracket depends on (x, T) only, so ₂F₁ runs once per
    distinct (x, T) pair — summaries built from daily transaction logs have few of them.
    """
    return future_transactions(params, horizons, discount_factors, frequency, recency, age)[1]


def future_transactions(
    params: BgNbdParams,
    horizons: Sequence[float],
    discount_factors: Sequence[float],
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(E[Y(t_K) | x, tₓ, T] for the last horizon, the discounted sum of
    `discounted_expected_transactions`, P(alive)) in one pass, for scoring."""
    x, t = _as_float(frequency), _as_float(age)
    alive = probability_alive(params, x, recency, t)
    if len(horizons) != len(discount_factors) or not horizons:
        raise ValueError("give one discount factor per horizon, at least one")
    ux, ut, inverse = _distinct_pairs(x, t)
    total = np.zeros(ux.size)
    previous = np.zeros(ux.size)
    for horizon, factor in zip(horizons, discount_factors, strict=True):
        current = _bracket(params, float(horizon), ux, ut)
        total += factor * (current - previous)
        previous = current
    expected: FloatArray = previous[inverse] * alive
    discounted: FloatArray = total[inverse] * alive
    return expected, discounted, alive


def _distinct_pairs(
    x: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """The distinct (x, T) pairs and each customer's pair. x and T each take few values, so the
    pairs are found in a table of (distinct x) × (distinct T) cells when it is small, with a sort
    of integer codes otherwise — both far cheaper than sorting the pairs themselves."""
    ux, ut = np.unique(x), np.unique(t)
    code = np.searchsorted(ux, x).astype(np.int64) * ut.size + np.searchsorted(ut, t)
    cells = ux.size * ut.size
    if cells <= 4 * x.size + 1024:
        present = np.zeros(cells, dtype=bool)
        present[code] = True
        used = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[code]
    else:
        used, found = np.unique(code, return_inverse=True)
        inverse = found.reshape(-1)
    return ux[used // ut.size], ut[used % ut.size], inverse.astype(np.intp, copy=False)


def _expected_future(
    params: BgNbdParams, duration: FloatArray, x: FloatArray, age: FloatArray, *, alive: FloatArray
) -> FloatArray:
    result: FloatArray = _bracket(params, duration, x, age) * alive
    return result


def _bracket(
    params: BgNbdParams, duration: FloatArray | float, x: FloatArray, age: FloatArray
) -> FloatArray:
    """(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t).

    Evaluated through Euler's transformation ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z):
    the power of (1 − z) then becomes a − 1 whatever x is, and the series has the small parameter
    a − 1, so it neither overflows for frequent buyers nor loses accuracy as z → 1 (a long horizon).
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1.0) < 1e-9:
        raise FitError("a = 1 makes the BG/NBD expectation 0/0; refit or perturb a")
    z = duration / (alpha + age + duration)
    c = a + b + x - 1.0
    bracket = 1.0 - np.power(1.0 - z, a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    result: FloatArray = c / (a - 1.0) * bracket
    return result
