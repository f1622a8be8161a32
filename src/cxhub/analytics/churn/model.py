"""The churn-risk model: gradient-boosted trees on the encoded table, calibrated probabilities,
and the drivers of a prediction (ADR 0014, docs/metrics.md "Churn risk").

- `HistGradientBoostingClassifier` with native categorical splits and native missing values
  (a blank is routed to whichever side of each split fits the training data best, which is the
  imputation: learned, not a constant), a small learning rate, shallow trees, L2 leaf
  regularisation and early stopping on an internal 10 % validation split;
- wrapped in `CalibratedClassifierCV` (sigmoid / Platt scaling fitted over 5 stratified folds,
  one model refitted on every row: `ensemble=False`) so a predicted 0.30 means about 30 % of
  such customers churn;
  sigmoid rather than isotonic because it has two parameters, so it does not overfit small
  tables, and it scored the same or better Brier on all three evaluation sets;
- global drivers: permutation importance (drop in ROC AUC when one column is shuffled) on held-out
  rows; one feature per original column, so importance is per column as the user knows it;
- per-customer drivers: path attribution over the fitted trees (`drivers.py`, ADR 0032): the
  calibrated log-odds split exactly into a bias and one contribution per column, shown as
  `risk − risk without that column's contribution`; positive means this column's value raises
  this customer's risk above the model's average customer. Scoring takes the risk from the
  same walk (`score_features`: the attribution's calibrated log-odds, equal to
  `predict_proba` to 1e-9). When the trees cannot be read (a
  scikit-learn with other internals) the drivers fall back to `risk(customer) − risk(customer
  with the column at its typical value)` (median of numbers and dates, most frequent category
  or yes/no), one prediction per column.

Every random choice takes `seed`, so the same data and seed give the same numbers. Native
thread pools are held to one thread (`one_thread`): on tables of this size OpenMP gains little,
and on a busy machine oversubscribed threads made a 5-fold evaluation fifty times slower.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from cxhub.analytics.churn.attribution import AttributionUnavailable, TreeEnsemble
from cxhub.analytics.churn.drivers import (
    Driver,
    path_attribution,
    perturbation_effects,
    top_drivers,
)
from cxhub.analytics.churn.schema import ColumnKind, FloatArray, TableSchema
from cxhub.analytics.churn.table import CustomerTable

DEFAULT_SEED = 42
PERMUTATION_REPEATS = 3
CALIBRATION_FOLDS = 5
IntArray = npt.NDArray[np.int_]


def one_thread() -> Any:
    """Hold BLAS and OpenMP pools to one thread while fitting or predicting."""
    return threadpool_limits(limits=1)


def boosted_trees(categorical_mask: list[bool], seed: int) -> HistGradientBoostingClassifier:
    """The tree model, tuned for tables of a few thousand to a few hundred thousand customers."""
    return HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=500,
        max_leaf_nodes=15,
        min_samples_leaf=30,
        l2_regularization=1.0,
        categorical_features=categorical_mask if any(categorical_mask) else None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        random_state=seed,
    )


def calibrated_model(
    categorical_mask: list[bool], labels: IntArray, seed: int
) -> CalibratedClassifierCV:
    """Sigmoid calibration fitted on out-of-fold predictions, then one model refitted on every
    row (`ensemble=False`): scoring and per-customer drivers predict with one model instead of
    one per fold, five times cheaper, at the same calibration quality on our data sets."""
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    return CalibratedClassifierCV(
        boosted_trees(categorical_mask, seed), method="sigmoid", cv=folds, ensemble=False
    )


@dataclass
class ChurnModel:
    """A fitted model with the schema it reads and what it learnt about its columns."""

    schema: TableSchema
    target: str
    positive: str
    seed: int
    estimator: CalibratedClassifierCV
    typical_values: FloatArray
    global_drivers: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def fit_matrix(
        cls,
        schema: TableSchema,
        features: FloatArray,
        labels: IntArray,
        *,
        target: str,
        positive: str,
        seed: int = DEFAULT_SEED,
    ) -> ChurnModel:
        estimator = calibrated_model(schema.categorical_mask, labels, seed)
        with one_thread():
            estimator.fit(features, labels)
        return cls(schema, target, positive, seed, estimator, typical_values(schema, features))

    def risk(self, features: FloatArray) -> FloatArray:
        with one_thread():
            return np.asarray(self.estimator.predict_proba(features)[:, 1], dtype=np.float64)

    def score_table(self, table: CustomerTable) -> tuple[FloatArray, list[list[Driver]]]:
        return self.score_features(self.schema.encode(table))

    def score_features(
        self, features: FloatArray, top: int = 3
    ) -> tuple[FloatArray, list[list[Driver]]]:
        """Risk and top drivers per customer from one walk of the trees: the path attribution's
        calibrated log-odds are the model's risk (to 1e-9, tested on the real churn tables),
        so the trees are not evaluated a second time for the probabilities."""
        if features.shape[0] == 0:
            return np.zeros(0, dtype=np.float64), []
        try:
            with one_thread():
                attribution = path_attribution(self.estimator, features)
        except AttributionUnavailable:
            effects = self.perturbation_effects(features)
            return self.risk(features), top_drivers(effects, features, self.schema.features, top)
        risk = np.asarray(expit(attribution.log_odds), dtype=np.float64)
        return risk, top_drivers(attribution.effects, features, self.schema.features, top)

    def permutation_drivers(
        self, features: FloatArray, labels: IntArray, top: int = 10
    ) -> list[dict[str, Any]]:
        """Drop in held-out ROC AUC when each column is shuffled (mean of 3 shuffles)."""
        with one_thread():
            result = permutation_importance(
                self.estimator,
                features,
                labels,
                scoring="roc_auc",
                n_repeats=PERMUTATION_REPEATS,
                random_state=self.seed,
                n_jobs=1,
            )
        return ranked_drivers(self.schema.feature_names, result.importances_mean, top)

    def split_columns(self, width: int) -> list[int]:
        """The columns a prediction can depend on: a column no tree splits on has no effect."""
        try:
            (calibrated,) = self.estimator.calibrated_classifiers_
            used = TreeEnsemble.from_classifier(calibrated.estimator, width).split_columns
        except (AttributionUnavailable, AttributeError, TypeError, ValueError):
            return list(range(width))
        return sorted(used)

    def customer_drivers(self, features: FloatArray, top: int = 3) -> list[list[Driver]]:
        """Per customer: the `top` columns whose value raises the risk most."""
        if features.shape[0] == 0:
            return []
        return top_drivers(self.driver_effects(features), features, self.schema.features, top)

    def driver_effects(self, features: FloatArray) -> FloatArray:
        """Rows × columns: how much each column's value raises each customer's risk (points);
        path attribution, or perturbation when the fitted trees cannot be read."""
        try:
            with one_thread():
                return path_attribution(self.estimator, features).effects
        except AttributionUnavailable:
            return self.perturbation_effects(features)

    def perturbation_effects(self, features: FloatArray) -> FloatArray:
        """risk − risk with the column at its typical value, one prediction per column (the
        fallback, and the reference the benchmark compares with)."""
        columns = self.split_columns(features.shape[1])
        return perturbation_effects(self.risk, features, self.typical_values, columns)


def typical_values(schema: TableSchema, features: FloatArray) -> FloatArray:
    """Median of numbers and dates, most frequent code of categories and yes/no (blank if none)."""
    typical = np.full(features.shape[1], np.nan)
    for index, spec in enumerate(schema.features):
        column = features[:, index]
        present = column[~np.isnan(column)]
        if present.size == 0:
            continue
        if spec.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            codes, counts = np.unique(present, return_counts=True)
            typical[index] = codes[int(np.argmax(counts))]
        else:
            typical[index] = float(np.median(present))
    return typical


def ranked_drivers(names: list[str], importances: FloatArray, top: int) -> list[dict[str, Any]]:
    order = sorted(range(len(names)), key=lambda i: (-float(importances[i]), names[i]))
    return [
        {"column": names[i], "importance": round(float(importances[i]), 4)} for i in order[:top]
    ]
