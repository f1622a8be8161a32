"""Path attribution on the three public churn tables: bias + Σ contributions equals the fitted
model's own raw score (`decision_function`) and, through the calibration, its probability.

Models are fitted on stratified 2,500-row samples (CI time on two cores) and attribution runs on
every row of the file, so most rows are unseen, Telco's blank `TotalCharges` take the learned
missing-value side, and a few category codes are forced to unseen, negative and blank values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit
from sklearn.model_selection import train_test_split

from cxhub.analytics.churn import ChurnModel, infer_schema, read_csv
from cxhub.analytics.churn.attribution import TreeEnsemble
from cxhub.analytics.churn.drivers import path_attribution
from cxhub.analytics.churn.model import one_thread
from cxhub.analytics.churn.target import churn_labels

pytestmark = pytest.mark.realdata

FIT_ROWS = 2500


@pytest.mark.parametrize(
    ("file", "target"),
    [
        ("telco-customer-churn.csv", "Churn"),
        ("bank-churn-modelling.csv", "Exited"),
        ("bankchurners.csv", "Attrition_Flag"),
    ],
)
def test_contributions_add_up_to_the_models_raw_score(
    shared_data: Path, file: str, target: str
) -> None:
    table = read_csv(shared_data / "churn" / file)
    labels, positive = churn_labels(table.column(target), None, target)
    customers = table.without(target)
    fit_rows, _ = train_test_split(
        np.arange(len(labels)), train_size=FIT_ROWS, stratify=labels, random_state=0
    )
    sample = customers.take(sorted(fit_rows.tolist()))
    schema = infer_schema(sample)
    model = ChurnModel.fit_matrix(
        schema,
        schema.encode(sample),
        labels[np.sort(fit_rows)],
        target=target,
        positive=positive,
        seed=42,
    )
    features = schema.encode(customers)
    categorical = [i for i, is_cat in enumerate(schema.categorical_mask) if is_cat]
    assert categorical, f"{file} has categorical columns"
    column = categorical[0]
    features[:20, column] = len(schema.features[column].categories) + 3  # never seen
    features[20:40, column] = -1.0  # negative: the missing-value side
    features[40:60, column] = np.nan
    (calibrated,) = model.estimator.calibrated_classifiers_
    with one_thread():
        theirs = calibrated.estimator.decision_function(features)
    trees = TreeEnsemble.from_classifier(calibrated.estimator, features.shape[1])
    raw, contributions = trees.contributions(features)
    prepared = np.ascontiguousarray(trees.prepare(features))
    np.testing.assert_array_equal(trees.leaves(prepared), trees.walk(prepared))
    np.testing.assert_allclose(raw, theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(trees.bias + contributions.sum(axis=1), theirs, rtol=0, atol=1e-9)
    # Through the calibration: calibrated log-odds split exactly, and give the model's risk.
    attribution = path_attribution(model.estimator, features)
    log_odds = attribution.bias + attribution.contributions.sum(axis=1)
    np.testing.assert_allclose(log_odds, attribution.log_odds, rtol=0, atol=1e-9)
    np.testing.assert_allclose(expit(log_odds), model.risk(features), rtol=0, atol=1e-9)
    # So scoring takes the risk from the same walk as the drivers, with the same drivers.
    risk, drivers = model.score_features(features)
    np.testing.assert_allclose(risk, model.risk(features), rtol=0, atol=1e-9)
    assert drivers == model.customer_drivers(features)
    # Columns no tree splits on get nothing; the others get something somewhere.
    used = {c for c in range(features.shape[1]) if np.abs(contributions[:, c]).max() > 0}
    assert used == set(model.split_columns(features.shape[1]))
