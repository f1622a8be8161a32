"""Maximum likelihood on log-parameters from several fixed starts (shared by the CLV models)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

FloatArray = NDArray[np.float64]
Objective = Callable[[FloatArray], tuple[float, FloatArray]]


class FitError(ValueError):
    """The data cannot support the model (too few customers, no repeat purchases …)."""


def maximise_log_likelihood(
    negative_mean_ll: Objective, starts: Sequence[Sequence[float]]
) -> tuple[FloatArray, float]:
    """Minimise `negative_mean_ll(log_params)` (value, gradient) by L-BFGS-B from every start;
    return the best parameters (natural scale) and that objective value. Deterministic."""
    best: tuple[FloatArray, float] | None = None
    for start in starts:
        result = minimize(
            negative_mean_ll,
            np.log(np.asarray(start, dtype=np.float64)),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0)] * len(start),
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9},
        )
        value = float(result.fun)
        if np.isfinite(value) and (best is None or value < best[1]):
            best = (np.exp(np.asarray(result.x, dtype=np.float64)), value)
    if best is None:
        raise FitError("the likelihood could not be evaluated at any starting point")
    return best
