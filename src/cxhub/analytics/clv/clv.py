"""Customer lifetime value of transactional customers: BG/NBD purchases × Gamma-Gamma spend,
discounted monthly over a horizon (docs/metrics.md, "Customer lifetime value").

    CLV = margin · E[M | m̄, x] · Σ_{k=1..H} (E[Y(k·u) | x, tₓ, T] − E[Y((k−1)·u) | x, tₓ, T]) / (1 + d)^k

H is the horizon in months, d the monthly discount rate and u the length of a month in the
summary's time unit (365.25/12 days = 4.348 weeks): the purchases expected in month k are
discounted by k months. With d = 0 this is E[Y(H·u)] · E[M] · margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cxhub.analytics.clv import bgnbd, gamma_gamma
from cxhub.analytics.clv.summary import TimeUnit

FloatArray = NDArray[np.float64]

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class CustomerValues:
    expected_purchases: FloatArray  # over the horizon, undiscounted
    probability_alive: FloatArray
    expected_spend: FloatArray  # per purchase
    clv: FloatArray


def month_length(time_unit: TimeUnit) -> float:
    return DAYS_PER_MONTH / time_unit.days_per_unit


def customer_values(
    purchases: bgnbd.BgNbdParams,
    spend: gamma_gamma.GammaGammaParams | None,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    monetary_value: ArrayLike | None = None,
    *,
    time_unit: TimeUnit = TimeUnit.weeks,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
) -> CustomerValues:
    """Expected purchases, P(alive), expected spend and CLV per customer. Without a spend model
    the "spend" is one unit per purchase, so CLV counts discounted purchases."""
    if horizon_months < 1:
        raise ValueError("the horizon is at least one month")
    if monthly_discount_rate < 0:
        raise ValueError("the discount rate cannot be negative")
    x = np.asarray(frequency, dtype=np.float64)
    month = month_length(time_unit)
    months = np.arange(1, horizon_months + 1, dtype=np.float64)
    horizons = list(months * month)
    factors = list((1.0 + monthly_discount_rate) ** -months)
    expected, discounted, alive = bgnbd.future_transactions(
        purchases, horizons, factors, x, recency, age
    )
    if spend is None:
        per_purchase = np.ones_like(x)
    else:
        if monetary_value is None:
            raise ValueError("a spend model needs the customers' mean repeat spend")
        per_purchase = gamma_gamma.conditional_expected_spend(spend, x, monetary_value)
    return CustomerValues(
        expected_purchases=expected,
        probability_alive=alive,
        expected_spend=per_purchase,
        clv=margin * per_purchase * discounted,
    )
