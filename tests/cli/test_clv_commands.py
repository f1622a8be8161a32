"""`cxhub clv fit` and `cxhub clv score` end to end, on CDNOW and on a small CSV with a header."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxhub.cli import app

runner = CliRunner()

CDNOW_OPTIONS = ["--customer", "2", "--date", "3", "--no-header", "--date-format", "%Y%m%d"]


def _small_csv(path: Path) -> Path:
    rows = ["order_id,Customer,when,total"]
    # a few repeat customers with different habits, and one-time buyers
    plan = {
        "ann": ["2024-01-03", "2024-02-10", "2024-03-01", "2024-05-20", "2024-07-02"],
        "bob": ["2024-01-05", "2024-01-20"],
        "cy": ["2024-02-01"],
        "dee": ["2024-01-10", "2024-04-11", "2024-04-11"],
        "eve": ["2024-03-15"],
        "fay": ["2024-01-02", "2024-01-30", "2024-02-27", "2024-06-30"],
        "gus": ["2024-02-14", "2024-06-01"],
    }
    number = 0
    for name, days in plan.items():
        for day in days:
            number += 1
            rows.append(f"{number},{name},{day},{10 + 3 * number % 17}.50")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.realdata
def test_fit_on_cdnow_prints_one_json_object(shared_data: Path) -> None:
    source = shared_data / "clv" / "CDNOW_sample.txt"
    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            "--transactions",
            str(source),
            *CDNOW_OPTIONS,
            "--amount",
            "5",
            "--calibration-end",
            "1997-09-30",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["customers"] == 2357
    bg = report["bgnbd"]
    assert [round(bg[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    gg = report["gamma_gamma"]
    assert [round(gg[k], 2) for k in ("p", "q", "gamma")] == [6.25, 3.74, 15.44]
    holdout = report["holdout"]
    assert holdout["duration"] == 39.0
    assert holdout["actual_total"] == 1882
    assert [row["frequency"] for row in holdout["by_frequency"]][-1] == "7+"
    assert sum(row["customers"] for row in holdout["by_frequency"]) == 2357


@pytest.mark.realdata
def test_score_on_cdnow_writes_a_row_per_customer(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "clv.csv"
    result = runner.invoke(
        app,
        [
            "clv",
            "score",
            "--transactions",
            str(shared_data / "clv" / "CDNOW_sample.txt"),
            *CDNOW_OPTIONS,
            "--amount",
            "5",
            "--calibration-end",
            "1997-09-30",
            "--horizon-months",
            "12",
            "--discount-rate",
            "0.01",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2357
    first = rows[0]
    assert first["customer"] == "0001"
    assert float(first["p_alive"]) == pytest.approx(0.727, abs=0.002)
    assert all(float(row["clv"]) >= 0 for row in rows)


def test_fit_and_score_on_a_csv_with_a_header(tmp_path: Path) -> None:
    source = _small_csv(tmp_path / "orders.csv")
    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            "--transactions",
            str(source),
            "--customer",
            "customer",
            "--date",
            "when",
            "--amount",
            "total",
            "--time-unit",
            "days",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["customers"] == 7
    assert report["repeat_customers"] == 5
    assert report["time_unit"] == "days"
    assert "holdout" not in report
    assert set(report["gamma_gamma"]) >= {"p", "q", "gamma", "frequency_spend_correlation"}

    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "clv",
            "score",
            "--transactions",
            str(source),
            "--customer",
            "Customer",
            "--date",
            "when",
            "--delimiter",
            ",",
            "--margin",
            "0.3",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["customer"] for row in rows] == ["ann", "bob", "cy", "dee", "eve", "fay", "gus"]
    assert rows[3]["frequency"] == "1"  # two orders on 11 April are one purchase


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--customer", "client", "--date", "when"], "--customer 'client' is not a column", 2),
        (["--customer", "customer", "--date", "total"], "cannot read the date", 1),
        (
            ["--customer", "customer", "--date", "when", "--amount", "when"],
            "cannot read the amount",
            1,
        ),
        (
            ["--customer", "customer", "--date", "when", "--calibration-end", "soon"],
            "not a date",
            2,
        ),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(
    tmp_path: Path, args: list[str], message: str, code: int
) -> None:
    source = _small_csv(tmp_path / "orders.csv")
    result = runner.invoke(app, ["clv", "fit", "--transactions", str(source), *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_no_repeat_customers_and_missing_file(tmp_path: Path) -> None:
    source = tmp_path / "once.csv"
    source.write_text("who,day\na,2024-01-01\nb,2024-01-02\nb,2024-01-02\n", encoding="utf-8")
    result = runner.invoke(
        app, ["clv", "fit", "--transactions", str(source), "--customer", "who", "--date", "day"]
    )
    assert result.exit_code == 1
    assert "no customer made a repeat purchase" in result.output
    assert isinstance(result.exception, SystemExit)

    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            "--transactions",
            str(tmp_path / "nope.csv"),
            "--customer",
            "1",
            "--date",
            "2",
        ],
    )
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_a_file_that_is_not_utf8_is_a_message(tmp_path: Path) -> None:
    source = tmp_path / "latin1.csv"
    source.write_bytes("who,day\nRen\xe9,2024-01-01\n".encode("latin-1"))
    result = runner.invoke(
        app, ["clv", "fit", "--transactions", str(source), "--customer", "who", "--date", "day"]
    )
    assert result.exit_code == 1
    assert "cannot read" in result.output
    assert "as UTF-8" in result.output
    assert isinstance(result.exception, SystemExit)
