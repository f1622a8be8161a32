"""Per-customer drivers: which columns raise this customer's churn risk, and by how much
(ADR 0032, docs/metrics.md "Churn risk").

**Path attribution** (the default): the tree ensemble's raw score is split exactly into a bias
plus one contribution per column (`attribution.py`). The calibration is Platt scaling,
`risk = 1 / (1 + exp(a·raw + b))`, so the calibrated log-odds are `−(a·raw + b)`: multiplying
each contribution by `−a` splits the calibrated log-odds exactly, and the ranking of a customer's
columns does not depend on how the log-odds are later turned into a probability. The effect
shown is in probability points:

    effect(column) = risk − risk with that column's log-odds contribution removed

positive when the column's value raises the risk above the model's average customer, zero when
the trees never split on it. One walk of the trees for every row: the cost of about one
prediction, where the earlier method cost one prediction per column.

**Perturbation** (the fallback, and the reference the benchmark compares with):
`risk(customer) − risk(customer with the column at its typical value)`, one prediction per
column. Used when the fitted trees cannot be read (`AttributionUnavailable`: a scikit-learn
whose internals differ).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice, starmap
from typing import Any

import numpy as np
from scipy.special import expit

from cxhub.analytics.churn.attribution import AttributionUnavailable, TreeEnsemble
from cxhub.analytics.churn.schema import ColumnSpec, FloatArray
from cxhub.core.heap import no_cyclic_gc


@dataclass(frozen=True)
class Driver:
    column: str
    value: str
    effect: float  # how much this column's value raises the churn probability (points, > 0)


@dataclass(frozen=True)
class LogOddsAttribution:
    """Calibrated log-odds of every row split into a bias and one contribution per column."""

    log_odds: FloatArray  # rows
    contributions: FloatArray  # rows × columns
    bias: float

    @property
    def effects(self) -> FloatArray:
        """Risk minus risk without each column's contribution, in probability points."""
        risk = expit(self.log_odds)[:, None]
        return np.asarray(risk - expit(self.log_odds[:, None] - self.contributions))


def path_attribution(estimator: Any, features: FloatArray) -> LogOddsAttribution:
    """Path attribution through a fitted `CalibratedClassifierCV` (sigmoid, one refitted model)
    around a binary `HistGradientBoostingClassifier`."""
    try:
        (calibrated,) = estimator.calibrated_classifiers_
        (calibrator,) = calibrated.calibrators
        slope, intercept = float(calibrator.a_), float(calibrator.b_)
        classifier = calibrated.estimator
    except (AttributeError, TypeError, ValueError) as exc:
        raise AttributionUnavailable(f"not one sigmoid-calibrated model: {exc}") from exc
    trees = TreeEnsemble.from_classifier(classifier, features.shape[1])
    raw, contributions = trees.contributions(features)
    return LogOddsAttribution(
        log_odds=-(slope * raw + intercept),
        contributions=-slope * contributions,
        bias=-(slope * trees.bias + intercept),
    )


def perturbation_effects(
    risk: Callable[[FloatArray], FloatArray],
    features: FloatArray,
    typical: FloatArray,
    columns: Sequence[int],
) -> FloatArray:
    """risk(row) − risk(row with the column typical), for the given columns (others 0).

    Only rows whose value differs from the typical one are predicted again: the others' effect
    is exactly zero."""
    effects = np.zeros_like(features)
    if features.shape[0] == 0:
        return effects
    base = risk(features)
    for column in columns:
        typical_value = typical[column]
        values = features[:, column]
        if np.isnan(typical_value):
            differs = ~np.isnan(values)
        else:
            differs = np.isnan(values) | (values != typical_value)
        rows = np.flatnonzero(differs)
        if rows.size == 0:
            continue
        changed = features[rows]
        changed[:, column] = typical_value
        effects[rows, column] = base[rows] - risk(changed)
    return effects


def top_drivers(
    effects: FloatArray, features: FloatArray, specs: Sequence[ColumnSpec], top: int
) -> list[list[Driver]]:
    """Per row, the `top` columns with the largest positive effect, largest first."""
    top = min(top, features.shape[1])
    # One stable sort of every row at once, effects in descending order; a row's drivers are
    # its leading positive effects. The drivers of all rows are built in one flat pass and
    # then cut into rows (100,000 rows: no per-row NumPy work).
    order = np.argsort(-effects, axis=1, kind="stable")[:, :top]
    ranked = np.take_along_axis(effects, order, axis=1)
    keep = np.cumprod(ranked > 0, axis=1).astype(bool)
    columns = order[keep]
    values = np.take_along_axis(features, order, axis=1)[keep]
    names = np.array([spec.name for spec in specs], dtype=object)[columns]
    labels = _labels(columns, values, specs)
    with no_cyclic_gc():
        flat = iter(
            list(starmap(Driver, zip(names.tolist(), labels, ranked[keep].tolist(), strict=True)))
        )
        return [list(islice(flat, count)) for count in keep.sum(axis=1).tolist()]


def _labels(columns: Any, values: FloatArray, specs: Sequence[ColumnSpec]) -> list[str]:
    """The label of each (column, value) cell, each distinct pair labelled once (a column of
    a few categories, or whole numbers, repeats a lot)."""
    labels = np.empty(len(columns), dtype=object)
    for column, spec in enumerate(specs):
        cells = columns == column
        if not cells.any():
            continue
        distinct, inverse = np.unique(values[cells], return_inverse=True)
        labels[cells] = np.array(spec.labels(distinct), dtype=object)[inverse]
    return list(labels.tolist())
