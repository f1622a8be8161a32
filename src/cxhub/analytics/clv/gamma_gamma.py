"""Gamma-Gamma: how much a customer spends per purchase (Fader, Hardie & Lee 2005, "RFM and CLV:
using iso-value curves for customer base analysis"; Fader & Hardie, "The Gamma-Gamma model of
monetary value", 2013).

A customer's purchase amounts are Gamma(p, ν) around their own mean p/ν, and ν ~ Gamma(q, γ)
across customers. Only repeat customers (x > 0) carry information: for x purchases with mean m̄,

    L(p, q, γ | m̄, x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q x^(px) m̄^(px − 1) / (γ + m̄x)^(px + q)

and the conditional expected spend per purchase is

    E[M | m̄, x] = (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · m̄
                = p (γ + m̄x) / (px + q − 1)

a weighted mean of the population mean pγ/(q − 1) (finite for q > 1) and the customer's own.

**Assumption**: spend per purchase is independent of how often a customer buys. `fit` reports the
Pearson correlation between x and m̄ over the repeat customers so a caller can see whether the
assumption is tenable (|ρ| near 0; on the CDNOW sample it is about 0.11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from cxhub.analytics.clv._fitting import FitError, maximise_log_likelihood, weighted_sum

FloatArray = NDArray[np.float64]

_STARTS = ((1.0, 1.0, 1.0), (6.0, 4.0, 15.0), (2.0, 10.0, 1.0), (20.0, 2.0, 0.5))
# above this many repeat customers the starts run on a deterministic subsample and the best is
# polished on everybody, as for BG/NBD
_SUBSAMPLE = 50_000


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    @property
    def population_mean_spend(self) -> float | None:
        """pγ/(q − 1), undefined (None) for q ≤ 1."""
        return None if self.q <= 1.0 else self.p * self.gamma / (self.q - 1.0)


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    log_likelihood: float
    customers: int  # repeat customers used
    frequency_spend_correlation: float | None  # Pearson ρ(x, m̄); None when undefined


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _repeat_customers(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x, m = _as_float(frequency), _as_float(monetary_value)
    if x.shape != m.shape or x.ndim != 1:
        raise FitError("frequency and monetary value must be one-dimensional and of equal length")
    keep = x > 0
    x, m = x[keep], m[keep]
    if x.size == 0:
        raise FitError("no repeat customers: the Gamma-Gamma spend model needs x > 0")
    if np.any(m <= 0) or not np.all(np.isfinite(m)):
        raise FitError("repeat customers must have a positive mean spend")
    return x, m


def log_likelihood(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Each repeat customer's log-likelihood (customers with x = 0 are left out)."""
    x, m = _repeat_customers(frequency, monetary_value)
    p, q, g = params.p, params.q, params.gamma
    px = p * x
    result: FloatArray = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + px * np.log(x)
        + (px - 1.0) * np.log(m)
        - (px + q) * np.log(g + m * x)
    )
    return result


class _Likelihood:
    def __init__(self, x: FloatArray, m: FloatArray) -> None:
        self.unique_x, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        self.inverse = inverse.reshape(-1)
        self.counts = counts.astype(np.float64)
        self.x = x
        self.mx = m * x
        self.log_m = np.log(m)
        self.log_x = np.log(x)
        self.n = float(x.size)
        self.sum_x_log_xm = float((x * (self.log_x + self.log_m)).sum())
        self.sum_log_m = float(self.log_m.sum())

    def __call__(self, log_params: FloatArray) -> tuple[float, FloatArray]:
        p, q, g = (float(v) for v in np.exp(log_params))
        ux, counts = self.unique_x, self.counts
        pux = p * ux
        # Σ (px + q) log(γ + m̄x) = p Σ x log(…) + q Σ log(…), and likewise for 1/(γ + m̄x)
        log_g_mx = np.log(g + self.mx)
        inv_g_mx = 1.0 / (g + self.mx)
        sum_log = float(log_g_mx.sum())
        sum_x_log = weighted_sum(log_g_mx, self.x)
        total = (
            weighted_sum(gammaln(pux + q) - gammaln(pux), counts)
            - self.n * gammaln(q)
            + self.n * q * np.log(g)
            + p * self.sum_x_log_xm
            - self.sum_log_m
            - (p * sum_x_log + q * sum_log)
        )
        if not np.isfinite(total):
            return float("inf"), np.zeros(3)
        digamma_pux_q = digamma(pux + q)
        grad_p = (
            weighted_sum(ux * (digamma_pux_q - digamma(pux)), counts)
            + self.sum_x_log_xm
            - sum_x_log
        )
        grad_q = (
            weighted_sum(digamma_pux_q, counts) - self.n * digamma(q) + self.n * np.log(g) - sum_log
        )
        grad_g = self.n * q / g - (p * weighted_sum(inv_g_mx, self.x) + q * float(inv_g_mx.sum()))
        gradient = np.array([grad_p * p, grad_q * q, grad_g * g])
        return -total / self.n, -gradient / self.n


def fit(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood (p, q, γ) on the repeat customers (x > 0, mean repeat spend m̄)."""
    x, m = _repeat_customers(frequency, monetary_value)
    scale = float(np.mean(m))
    starts = [(p, q, g * scale / 35.0) for p, q, g in _STARTS]
    if x.size > _SUBSAMPLE:
        pick = np.random.default_rng(0).choice(x.size, _SUBSAMPLE, replace=False)
        coarse, _ = maximise_log_likelihood(_Likelihood(x[pick], m[pick]), starts)
        starts = [tuple(coarse)]
    best, mean_negative = maximise_log_likelihood(_Likelihood(x, m), starts)
    p, q, g = (float(v) for v in best)
    correlation: float | None = None
    if x.size > 2 and np.std(x) > 0 and np.std(m) > 0:
        correlation = float(np.corrcoef(x, m)[0, 1])
    return GammaGammaFit(
        params=GammaGammaParams(p=p, q=q, gamma=g),
        log_likelihood=-mean_negative * x.size,
        customers=int(x.size),
        frequency_spend_correlation=correlation,
    )


def conditional_expected_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E[M | m̄, x] = p(γ + m̄x)/(px + q − 1); for x = 0 the population mean pγ/(q − 1)."""
    x, m = _as_float(frequency), _as_float(monetary_value)
    p, q, g = params.p, params.q, params.gamma
    if q <= 1.0:
        raise FitError(f"q = {q:.3g} ≤ 1: the population mean spend is infinite")
    m = np.where(x > 0, m, 0.0)
    result: FloatArray = p * (g + m * x) / (p * x + q - 1.0)
    return result
