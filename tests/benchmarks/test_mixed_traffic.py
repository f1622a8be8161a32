"""The mixed-traffic benchmark runs end to end at a tiny size: a real `cxhub serve` and the bare
baseline, driven from a second process by the lean generator (`benchmarks/light_http.py`),
every kind of the mix answered as expected and every figure recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.results import RESULTS_ENV, read_results
from benchmarks.soak import MIX


def test_tiny_run_answers_every_kind_without_errors(tmp_path: Path) -> None:
    results = tmp_path / "figures.jsonl"
    command = [
        sys.executable, "-m", "benchmarks.bench_mixed_traffic", "--seconds", "3",
        "--clients", "2", "--contacts", "20", "--tickets", "10",
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own module
        command, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, RESULTS_ENV: str(results)}, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [figure] = read_results(results)
    assert figure["throughput"] > 0
    assert figure["baseline_throughput"] > 0
    assert figure["p99_ms"] >= figure["p50_ms"] > 0
    details = figure["details"]
    assert details["errors"] == 0, done.stdout
    assert details["generator"] == "stdlib"
    assert details["generator_cpu_ms"] > 0
    assert details["server_cpu_ms"] > 0
    # the kinds sent (most of the mix even in 3 s on a loaded machine) were answered as expected
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line[:2] == "  "}
    sent = [kind for kind, _, _ in MIX if kind in rows]
    assert len(sent) >= 5, done.stdout
    for kind in sent:
        assert int(rows[kind][1]) > 0, rows[kind]
        assert rows[kind][2] == "0", rows[kind]
    assert "first " not in done.stdout  # no error example printed
