"""The targets-under-traffic benchmark runs end to end at a tiny size: a real `cxhub serve`, the
agent traffic from a second process, each job alone and under traffic, every figure recorded."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.runner import run_benchmark

JOBS = ("ingest /v1/batch", "bulk import", "rescore health + churn")


def test_tiny_run_prints_and_records_each_job_alone_and_under_traffic(tmp_path: Path) -> None:
    arguments = [
        "--accounts", "300", "--events", "3000", "--ingest-events", "2000",
        "--import-events", "2000", "--traffic-rate", "20", "--traffic-seconds", "3",
        "--contacts", "20", "--tickets", "10", "--data-dir", str(tmp_path / "data"),
    ]  # fmt: skip
    output, recorded = run_benchmark(
        "bench_under_traffic", arguments, tmp_path / "figures.jsonl", timeout=240
    )
    figures = {f["scenario"]: f for f in recorded}
    for job in JOBS:
        alone = figures[f"under traffic: {job} alone"]
        busy = figures[f"under traffic: {job} under traffic"]
        assert alone["throughput"] > 0
        assert alone["seconds"] > 0
        assert busy["throughput"] > 0
        assert busy["baseline_throughput"] == alone["throughput"]
        during = figures[f"under traffic: agent mix at 20/s during {job}"]
        assert during["throughput"] > 0
        assert during["p99_ms"] >= during["p50_ms"] > 0
        assert f"{job}: under traffic" in output
    quiet = figures["under traffic: agent mix at 20/s alone"]
    assert quiet["throughput"] > 0
    assert quiet["details"]["errors"] == 0
    # The tiny size is below the rescore and import targets' sizes: their verdicts are not
    # claimed (the ingestion target holds at any size).
    assert "target_met" not in figures["under traffic: rescore health + churn alone"]
    assert "target_met" not in figures["under traffic: bulk import under traffic"]
    assert "the target is for 10,000,000 events; not judged here" in output
    assert "target_met" in figures["under traffic: ingest /v1/batch alone"]


def test_one_job_on_two_web_workers(tmp_path: Path) -> None:
    arguments = [
        "--accounts", "300", "--events", "3000", "--ingest-events", "2000",
        "--traffic-rate", "20", "--traffic-seconds", "2", "--contacts", "20", "--tickets", "10",
        "--workers", "2", "--only", "ingest", "--data-dir", str(tmp_path / "data"),
    ]  # fmt: skip
    _, recorded = run_benchmark(
        "bench_under_traffic", arguments, tmp_path / "figures.jsonl", timeout=240
    )
    figures = {f["scenario"]: f for f in recorded}
    ingested = figures["under traffic: ingest /v1/batch under traffic"]
    assert ingested["throughput"] > 0
    assert ingested["details"]["workers"] == 2
    assert ingested["details"]["cpu_s"] > 0  # the web workers' CPU, not only the supervisor's
    assert not any("bulk import" in s or "rescore" in s for s in figures)
    assert not (tmp_path / "data" / "import-2000000").exists()
