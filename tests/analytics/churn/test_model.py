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


def test_perturbation_effects_equal_perturbing_every_column_of_every_row(
    table: dict[str, list[object]], model: ChurnModel
) -> None:
    """The fallback's shortcuts (skip rows already at the typical value, skip columns no tree
    splits on) give exactly the plain definition: risk minus risk with the column typical."""
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
    np.testing.assert_allclose(model.perturbation_effects(features), expected, atol=1e-12)


def test_drivers_fall_back_to_perturbation_when_the_trees_cannot_be_read(
    table: dict[str, list[object]], model: ChurnModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxhub.analytics.churn import model as model_module
    from cxhub.analytics.churn.attribution import AttributionUnavailable

    def unreadable(estimator: object, features: object) -> None:
        raise AttributionUnavailable("another scikit-learn")

    features = model.schema.encode(as_table({k: v[:60] for k, v in table.items()}))
    monkeypatch.setattr(model_module, "path_attribution", unreadable)
    drivers = model.customer_drivers(features, top=features.shape[1])
    effects = model.perturbation_effects(features)
    names = model.schema.feature_names
    for row, row_drivers in enumerate(drivers):
        wanted = {names[c]: effects[row, c] for c in range(len(names)) if effects[row, c] > 0}
        assert {d.column: d.effect for d in row_drivers} == pytest.approx(wanted, abs=1e-12)
    assert sum(len(row) for row in drivers) > 0


def test_path_drivers_are_the_positive_contributions_in_probability_points(
    table: dict[str, list[object]], model: ChurnModel
) -> None:
    """effect = risk − risk without the column's log-odds contribution; the drivers are the
    columns with a positive effect, largest first, at most `top`."""
    from scipy.special import expit

    from cxhub.analytics.churn.drivers import path_attribution

    features = model.schema.encode(as_table({k: v[:200] for k, v in table.items()}))
    attribution = path_attribution(model.estimator, features)
    risk = model.risk(features)
    without = expit(attribution.log_odds[:, None] - attribution.contributions)
    np.testing.assert_allclose(attribution.effects, risk[:, None] - without, atol=1e-12)
    expected = attribution.effects
    clear = np.abs(attribution.contributions) > 1e-9  # a smaller one may round to 0 points
    assert np.array_equal((expected > 0)[clear], (attribution.contributions > 0)[clear])
    assert not ((expected > 0) & (attribution.contributions <= 0)).any()
    drivers = model.customer_drivers(features)
    names = model.schema.feature_names
    for row, row_drivers in enumerate(drivers):
        positive = sorted(
            (-expected[row, c], names[c]) for c in range(len(names)) if expected[row, c] > 0
        )[:3]
        assert [d.column for d in row_drivers] == [name for _, name in positive]
        assert [d.effect for d in row_drivers] == pytest.approx([-e for e, _ in positive])


def test_an_obviously_driven_churn_points_at_the_right_column() -> None:
    """Churn is decided by `late_payments` alone: customers with many late payments have it
    as their first driver, and it never drives a customer who paid on time."""
    rng = np.random.default_rng(11)
    rows = 1500
    late = rng.integers(0, 6, size=rows)
    churned = rng.random(rows) < np.where(late >= 3, 0.85, 0.05)
    data = {
        "late_payments": late.tolist(),
        "seats": rng.integers(1, 200, size=rows).tolist(),
        "plan": rng.choice(["basic", "pro", "team"], size=rows).tolist(),
        "nps": rng.integers(0, 11, size=rows).tolist(),
        "churned": ["yes" if c else "no" for c in churned],
    }
    model = train(data, "churned")
    features = model.schema.encode(as_table(data).without("churned"))
    drivers = model.customer_drivers(features)
    column = model.schema.feature_names.index("late_payments")
    late_rows = np.flatnonzero(features[:, column] >= 3)
    first = [drivers[r][0].column if drivers[r] else None for r in late_rows]
    assert first.count("late_payments") == len(late_rows)
    assert all(drivers[r][0].value in {"3", "4", "5"} for r in late_rows)
    on_time = np.flatnonzero(features[:, column] == 0)
    assert not any(d.column == "late_payments" for r in on_time for d in drivers[r])


def test_scoring_without_readable_trees_falls_back_to_predictions_per_column(
    model: ChurnModel, table: dict[str, list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cxhub.analytics.churn.model as model_module
    from cxhub.analytics.churn.attribution import AttributionUnavailable
    from cxhub.analytics.churn.drivers import top_drivers

    customers = as_table({k: v[:60] for k, v in table.items() if k != "churned"})
    features = model.schema.encode(customers)

    def unreadable(*args: object) -> object:
        raise AttributionUnavailable("other scikit-learn internals")

    monkeypatch.setattr(model_module, "path_attribution", unreadable)
    risk, drivers = model.score_features(features, top=2)
    np.testing.assert_allclose(risk, model.risk(features), rtol=0, atol=0)
    expected = top_drivers(model.perturbation_effects(features), features, model.schema.features, 2)
    assert drivers == expected
    assert any(drivers)  # some customer has a driver: the comparison is not of empty lists
    empty_risk, empty_drivers = model.score_features(features[:0])
    assert empty_risk.shape == (0,)
    assert empty_drivers == []
