"""`cxhub churn evaluate|train|score` through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import joblib
import pytest
from typer.testing import CliRunner

from cxhub.analytics.churn.training import MODEL_FORMAT
from cxhub.cli import app
from tests.analytics.churn.synthetic import customer_table

runner = CliRunner()


def _write_csv(path: Path, columns: dict[str, list[object]]) -> Path:
    names = list(columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(zip(*(columns[n] for n in names), strict=True))
    return path


@pytest.fixture(scope="module")
def customers_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = customer_table(rows=400)
    return _write_csv(tmp_path_factory.mktemp("churn") / "customers.csv", table)


@pytest.fixture(scope="module")
def model_file(customers_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tmp_path_factory.mktemp("model") / "churn.joblib"
    trained = runner.invoke(
        app,
        ["churn", "train", "--data", str(customers_csv), "--target", "churned", "-o", str(model)],
    )
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert "account_id" in summary["dropped"]
    assert summary["positive"] == "Yes"
    return model


def test_evaluate_prints_one_json_object(customers_csv: Path) -> None:
    result = runner.invoke(
        app, ["churn", "evaluate", "--data", str(customers_csv), "--target", "churned"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"roc_auc", "pr_auc", "brier", "rows", "top_drivers", "baseline"} <= set(report)
    assert report["rows"] == 400
    assert report["positive"] == "Yes"
    assert {"roc_auc", "pr_auc", "brier"} <= set(report["baseline"])
    assert {"column", "importance"} == set(report["top_drivers"][0])


def test_train_then_score_writes_probability_and_three_drivers(
    customers_csv: Path, model_file: Path, tmp_path: Path
) -> None:
    model = model_file
    out = tmp_path / "scores.csv"
    scored = runner.invoke(
        app,
        ["churn", "score", "--model", str(model), "--data", str(customers_csv), "-o", str(out)],
    )
    assert scored.exit_code == 0, scored.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 400
    assert list(rows[0])[:3] == ["account_id", "churn_probability", "driver_1"]
    assert 0.0 <= float(rows[0]["churn_probability"]) <= 1.0
    assert "driver_3_effect" in rows[0]


def _fails(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_inputs_give_a_message_and_no_traceback(customers_csv: Path, tmp_path: Path) -> None:
    data = str(customers_csv)
    _fails(["churn", "evaluate", "--data", data, "--target", "nope"], "column 'nope' not found")
    _fails(["churn", "evaluate", "--data", str(tmp_path / "x.csv"), "--target", "a"], "not found")
    single = _write_csv(tmp_path / "single.csv", {"a": list(range(30)), "t": ["No"] * 30})
    _fails(["churn", "evaluate", "--data", str(single), "--target", "t"], "single value")
    many = _write_csv(
        tmp_path / "many.csv", {"a": list(range(30)), "t": ["gold", "silver", "lost"] * 10}
    )
    _fails(["churn", "evaluate", "--data", str(many), "--target", "t"], "--positive")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage\x00")
    _fails(["churn", "evaluate", "--data", str(binary), "--target", "t"], "cannot read")


def test_a_model_from_another_version_or_for_other_columns_is_refused(
    customers_csv: Path, model_file: Path, tmp_path: Path
) -> None:
    model = model_file
    payload = joblib.load(model)
    payload["cxhub_version"] = "0.0.1"
    old = tmp_path / "old.joblib"
    joblib.dump(payload, old)
    out = str(tmp_path / "out.csv")
    score = ["churn", "score", "--data", str(customers_csv), "-o", out, "--model"]
    _fails([*score, str(old)], "train the model again")
    joblib.dump({"format": "something else"}, old)
    _fails([*score, str(old)], "not a cxhub churn model")
    other = _write_csv(tmp_path / "other.csv", {"x": list(range(30))})
    _fails(["churn", "score", "--data", str(other), "-o", out, "--model", str(model)], "lacks")
    assert MODEL_FORMAT.startswith("cxhub-churn-model")
