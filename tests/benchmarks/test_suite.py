"""The benchmark suite: scale arguments, the results table, regression flags, and one real
scenario run end to end through a child process (the CLV benchmark at a tiny size)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.results import RESULTS_ENV, Figure, read_results, record

from benchmarks import suite


def _figure(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "scenario": "ingest",
        "unit": "events",
        "throughput": 1000.0,
        "p99_ms": 10.0,
        "baseline_throughput": 4000.0,
    }
    return base | overrides


def test_scale_shrinks_every_scenario_to_its_floor_and_grows_in_proportion() -> None:
    by_name = {s.name: s for s in suite.SCENARIOS}
    assert by_name["rescore"].arguments(1.0) == ["--accounts", "100000", "--events", "10000000"]
    assert by_name["rescore"].arguments(0.1) == ["--accounts", "10000", "--events", "1000000"]
    # Below the floor a scenario keeps a size that still measures something.
    assert by_name["rescore"].arguments(0.0001) == ["--accounts", "2000", "--events", "200000"]
    assert by_name["helpdesk"].arguments(1.0)[:2] == ["--tickets", "1000000"]


def test_record_appends_one_json_line_per_figure_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "figures.jsonl"
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    record(Figure(scenario="x", unit="events", throughput=1.0))
    assert not target.exists()
    monkeypatch.setenv(RESULTS_ENV, str(target))
    record(Figure(scenario="a", unit="events", throughput=2.5, target_met=False))
    record(Figure(scenario="b", unit="requests", p99_ms=3.0))
    rows = read_results(target)
    assert [r["scenario"] for r in rows] == ["a", "b"]
    assert rows[0]["throughput"] == 2.5
    assert rows[0]["target_met"] is False
    assert "p99_ms" not in rows[0]
    assert "load_average" in rows[1]


def test_ratio_reads_throughput_against_the_baseline_else_time() -> None:
    assert suite.ratio(_figure()) == "0.25x tput"
    assert suite.ratio({"seconds": 3.0, "baseline_seconds": 1.5}) == "2.00x time"
    assert suite.ratio({"seconds": 3.0}) == "-"


def test_compare_flags_a_regression_beyond_the_threshold_only() -> None:
    previous = {"ingest": _figure(throughput=1000.0, p99_ms=10.0)}
    assert suite.compare(_figure(throughput=900.0, p99_ms=10.5), previous) == (
        "throughput -10%, p99 +5%"
    )
    slower = suite.compare(_figure(throughput=800.0, p99_ms=10.0), previous)
    assert slower.startswith("REGRESSION")
    assert "throughput -20%" in slower
    tail = suite.compare(_figure(throughput=1000.0, p99_ms=12.0), previous)
    assert tail.startswith("REGRESSION")
    assert suite.compare(_figure(scenario="other"), previous) == "new"


def test_render_shows_failures_and_unmet_targets() -> None:
    outcomes = [
        suite.Outcome("tracking", "ok", 1.0, [_figure(target=">= 20,000/s", target_met=False)]),
        suite.Outcome("clv", "failed", 1.0, [], "exit 1: boom"),
    ]
    table = suite.render(outcomes, previous=None)
    assert "| ingest | 1,000 events |" in table
    assert "**no**" in table
    assert "0.25x tput" in table
    assert "| clv | failed: exit 1: boom |" in table


def test_unknown_scenario_and_bad_scale_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        suite.main(["--only", "nope"])
    assert exit_info.value.code == 2
    assert "unknown scenario(s): nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        suite.main(["--scale", "0"])


def test_one_scenario_runs_for_real_and_lands_in_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    code = suite.main(
        ["--only", "clv", "--scale", "0.00001", "--out", str(out), "--logs", str(tmp_path)]
    )
    assert code == 0
    summary = json.loads(out.read_text())
    scenarios = {f["scenario"]: f for f in summary["figures"]}
    total = scenarios["clv: fit + score (BG/NBD, Gamma-Gamma)"]
    assert total["details"]["customers"] == 20_000  # the floor
    assert total["seconds"] > 0
    assert total["throughput"] == pytest.approx(20_000 / total["seconds"], rel=1e-6)
    assert summary["outcomes"] == [
        {"scenario": "clv", "status": "ok", "seconds": summary["outcomes"][0]["seconds"],
         "note": ""}
    ]  # fmt: skip
    # The same file works as the reference of a later run.
    assert {f["scenario"] for f in read_results(out)} == set(scenarios)
