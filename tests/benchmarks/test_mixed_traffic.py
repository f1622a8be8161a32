"""The mixed-traffic benchmark runs end to end at a tiny size: a real `cxhub serve` and the bare
baseline, driven from a second process by the lean generator (`benchmarks/light_http.py`),
every kind of the mix answered as expected and every figure recorded."""

from __future__ import annotations

from pathlib import Path

from benchmarks.soak import MIX

from tests.benchmarks.runner import run_benchmark


def test_tiny_run_answers_every_kind_without_errors(tmp_path: Path) -> None:
    arguments = ["--seconds", "3", "--clients", "2", "--contacts", "20", "--tickets", "10"]
    output, [figure] = run_benchmark("bench_mixed_traffic", arguments, tmp_path / "figures.jsonl")
    assert figure["throughput"] > 0
    assert figure["baseline_throughput"] > 0
    assert figure["p99_ms"] >= figure["p50_ms"] > 0
    details = figure["details"]
    assert details["errors"] == 0, output
    assert details["generator"] == "stdlib"
    assert details["generator_cpu_ms"] > 0
    assert details["server_cpu_ms"] > 0
    # the kinds sent (most of the mix even in 3 s on a loaded machine) were answered as expected
    rows = {line.split()[0]: line.split() for line in output.splitlines() if line[:2] == "  "}
    sent = [kind for kind, _, _ in MIX if kind in rows]
    assert len(sent) >= 5, output
    for kind in sent:
        assert int(rows[kind][1]) > 0, rows[kind]
        assert rows[kind][2] == "0", rows[kind]
    assert "first " not in output  # no error example printed
