"""`evaluate`: fixed-seed stratified 5-fold cross-validation of the churn model, with a plain
scikit-learn gradient boosting baseline on the same folds.

Everything learnt from data — column types, category codes, the model, calibration — is fitted on
the training folds only; the held-out fold gives ROC AUC, PR AUC (average precision), Brier score
and the permutation importance of each column. The figures are means over the five folds.

The baseline is `GradientBoostingClassifier()` with default parameters on the same columns:
categories one-hot encoded, blanks imputed with the training median.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from cxhub.analytics.churn.model import (
    DEFAULT_SEED,
    ChurnModel,
    IntArray,
    one_thread,
    ranked_drivers,
)
from cxhub.analytics.churn.schema import FloatArray, TableSchema, infer_schema
from cxhub.analytics.churn.table import as_table
from cxhub.analytics.churn.target import churn_labels

EVALUATION_FOLDS = 5
TOP_DRIVERS = 10


def baseline_model(schema: TableSchema, seed: int) -> Pipeline:
    mask = schema.categorical_mask
    categorical = [i for i, is_cat in enumerate(mask) if is_cat]
    other = [i for i, is_cat in enumerate(mask) if not is_cat]
    encode = ColumnTransformer(
        [
            (
                "categories",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
            ("numbers", SimpleImputer(strategy="median", keep_empty_features=True), other),
        ]
    )
    return make_pipeline(encode, GradientBoostingClassifier(random_state=seed))


def _scores(labels: IntArray, risk: FloatArray) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(labels, risk)),
        "pr_auc": float(average_precision_score(labels, risk)),
        "brier": float(brier_score_loss(labels, risk)),
    }


def _mean(folds: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(float(np.mean([f[key] for f in folds])), 4) for key in folds[0]}


def evaluate(
    frame: Any,
    target: str,
    positive: str | None = None,
    *,
    seed: int = DEFAULT_SEED,
    folds: int = EVALUATION_FOLDS,
    baseline: bool = True,
) -> dict[str, Any]:
    """Cross-validated quality of the churn model (and of the baseline) on one customer table."""
    table = as_table(frame)
    labels, chosen = churn_labels(table.column(target), positive, target)
    customers = table.without(target)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    importance: dict[str, list[float]] = {}
    for train_rows, test_rows in splitter.split(np.zeros(len(labels)), labels):
        train, test = customers.take(train_rows.tolist()), customers.take(test_rows.tolist())
        schema = infer_schema(train)
        train_x, test_x = schema.encode(train), schema.encode(test)
        train_y, test_y = labels[train_rows], labels[test_rows]
        model = ChurnModel.fit_matrix(
            schema, train_x, train_y, target=target, positive=chosen, seed=seed
        )
        ours.append(_scores(test_y, model.risk(test_x)))
        for driver in model.permutation_drivers(test_x, test_y, top=len(schema.features)):
            importance.setdefault(driver["column"], []).append(driver["importance"])
        if baseline:
            with one_thread():
                reference = baseline_model(schema, seed).fit(train_x, train_y)
                theirs.append(_scores(test_y, reference.predict_proba(test_x)[:, 1]))
    names = sorted(importance)
    mean_importance = np.array([float(np.mean(importance[n])) for n in names])
    result: dict[str, Any] = {
        "target": target,
        "positive": chosen,
        "rows": len(labels),
        "churned": int(labels.sum()),
        "folds": folds,
        **_mean(ours),
        "top_drivers": ranked_drivers(names, mean_importance, TOP_DRIVERS),
    }
    if baseline:
        result["baseline"] = {"model": "GradientBoostingClassifier", **_mean(theirs)}
    return result
