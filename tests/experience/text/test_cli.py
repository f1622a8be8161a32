"""`cxhub text analyze` and `cxhub text evaluate` on small files; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxhub.cli import app

pytestmark = pytest.mark.nodb
runner = CliRunner()


def test_analyze_plain_lines_and_csv(tmp_path: Path) -> None:
    lines = tmp_path / "texts.txt"
    lines.write_text("Great service, thank you!\nServizio pessimo, sono deluso\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "analyze", str(lines)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert (first["language"], first["sentiment"]) == ("en", "positive")
    assert (second["language"], second["sentiment"]) == ("it", "negative")
    table = tmp_path / "texts.csv"
    table.write_text("id,comment\n1,Produk ini bagus sekali\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "analyze", str(table), "--text", "comment"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["language"] == "id"


def test_evaluate_prints_scores_per_language(tmp_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    rows = [
        {"t": "I love it, perfect", "y": 2},
        {"t": "Awful, broken and late", "y": 0},
        {"t": "Ottimo prodotto, grazie", "y": 2},
        {"t": "Pessimo, non funziona", "y": 0},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "text",
            "evaluate",
            "--data",
            str(data),
            "--text",
            "t",
            "--label",
            "y",
            "--map",
            "neg=0,pos=2",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["texts"] == 4
    assert set(report["per_language"]) == {"en", "it"}
    assert report["overall"]["accuracy"] == 1.0


def test_bad_input_is_one_error_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["text", "analyze", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    table = tmp_path / "t.csv"
    table.write_text("a,b\nx,1\n", encoding="utf-8")
    no_column = runner.invoke(
        app, ["text", "evaluate", "--data", str(table), "--text", "a", "--label", "c"]
    )
    assert no_column.exit_code == 2
    assert "no column 'c'" in no_column.output
    unknown = runner.invoke(
        app,
        [
            "text",
            "evaluate",
            "--data",
            str(table),
            "--text",
            "a",
            "--label",
            "b",
            "--map",
            "neg=0,pos=2",
        ],
    )
    assert unknown.exit_code == 2
    assert "not in --map" in unknown.output
    bad_mode = runner.invoke(app, ["text", "analyze", str(table), "--text", "a", "--mode", "slow"])
    assert bad_mode.exit_code == 2
