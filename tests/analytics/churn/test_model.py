"""The model on a hand-made table: determinism, calibration, drivers, train/score/save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import train_test_split

from cxhub.analytics.churn import (
    ChurnInputError,
    ChurnModel,
    as_table,
    evaluate,
    infer_schema,
    load_model,
    save_model,
    score,
    train,
)
from cxhub.analytics.churn.model import boosted_trees, one_thread
from cxhub.analytics.churn.target import churn_labels
from tests.analytics.churn.synthetic import customer_table


@pytest.fixture(scope="module")
def table() -> dict[str, list[object]]:
    return customer_table(rows=800)


@pytest.fixture(scope="module")
def model(table: dict[str, list[object]]) -> ChurnModel:
    return train(table, "churned")


def test_evaluation_is_deterministic_and_beats_chance(table: dict[str, list[object]]) -> None:
    first = evaluate(table, "churned", folds=3, baseline=False)
    again = evaluate(table, "churned", folds=3, baseline=False)
    assert first == again
    assert first["positive"] == "Yes"
    assert first["rows"] == 800
    assert first["roc_auc"] > 0.7
    assert 0 < first["brier"] < 0.25
    top = [d["column"] for d in first["top_drivers"][:3]]
    assert set(top) <= {"contract", "tenure_months", "support_tickets"}
    assert "account_id" not in [d["column"] for d in first["top_drivers"]]


def test_calibration_keeps_or_improves_brier_on_a_held_out_split(
    table: dict[str, list[object]],
) -> None:
    customers = as_table(table)
    labels, _ = churn_labels(customers.column("churned"), None)
    schema = infer_schema(customers.without("churned"))
    features = schema.encode(customers.without("churned"))
    train_x, test_x, train_y, test_y = train_test_split(
        features, labels, test_size=0.3, stratify=labels, random_state=3
    )
    with one_thread():
        raw = boosted_trees(schema.categorical_mask, 42).fit(train_x, train_y)
        raw_brier = brier_score_loss(test_y, raw.predict_proba(test_x)[:, 1])
    calibrated = ChurnModel.fit_matrix(
        schema, train_x, train_y, target="churned", positive="Yes", seed=42
    )
    assert brier_score_loss(test_y, calibrated.risk(test_x)) <= raw_brier + 1e-3


def test_train_save_load_and_score_with_drivers(
    table: dict[str, list[object]], model: ChurnModel, tmp_path: Path
) -> None:
    assert model.global_drivers[0]["column"] in {"contract", "tenure_months", "support_tickets"}
    path = tmp_path / "churn.joblib"
    save_model(model, path)
    loaded = load_model(path)
    new_customers = {k: v[:50] for k, v in table.items() if k != "churned"}
    risks, drivers = score(loaded, new_customers)
    again, _ = score(model, new_customers)
    assert np.array_equal(risks, again)
    assert ((risks >= 0) & (risks <= 1)).all()
    riskiest = int(np.argmax(risks))
    assert drivers[riskiest], "a high-risk customer has at least one risk-raising driver"
    assert all(d.effect > 0 for row in drivers for d in row)
    assert all(len(row) <= 3 for row in drivers)


def test_scoring_data_without_the_models_columns_is_refused(
    table: dict[str, list[object]], model: ChurnModel
) -> None:
    with pytest.raises(ChurnInputError, match="lacks the model's columns: contract"):
        score(model, {k: v for k, v in table.items() if k != "contract"})


def test_customer_drivers_equal_perturbing_every_column_of_every_row(
    table: dict[str, list[object]], model: ChurnModel
) -> None:
    """The shortcuts (skip rows already at the typical value, skip columns no tree splits on)
    give exactly the effects of the plain definition: risk minus risk with the column typical."""
    customers = as_table({k: v[:120] for k, v in table.items() if k != "churned"})
    features = model.schema.encode(customers)
    features[:5, 0] = model.typical_values[0]  # some rows already typical
    features[5:8, 1] = np.nan  # and some blanks
    base = model.risk(features)
    expected = np.zeros_like(features)
    for column in range(features.shape[1]):
        changed = features.copy()
        changed[:, column] = model.typical_values[column]
        expected[:, column] = base - model.risk(changed)
    drivers = model.customer_drivers(features, top=features.shape[1])
    names = model.schema.feature_names
    for row, row_drivers in enumerate(drivers):
        wanted = {names[c]: expected[row, c] for c in range(len(names)) if expected[row, c] > 0}
        assert {d.column: d.effect for d in row_drivers} == pytest.approx(wanted, abs=1e-12)
    assert sum(len(row) for row in drivers) > 0
