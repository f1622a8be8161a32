"""Machine-readable benchmark results, so the suite (`benchmarks/suite.py`) can put every
scenario's figures in one table and compare one run with an earlier one.

A benchmark calls `record(...)` once per scenario it measured, next to the lines it prints for
people. When `CXHUB_BENCH_RESULTS` names a file (the suite sets it), each call appends one JSON
line there; otherwise `record` does nothing, so a benchmark run by hand behaves as before.
"""

from __future__ import annotations

import json
import os
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_ENV = "CXHUB_BENCH_RESULTS"


@dataclass(frozen=True)
class Figure:
    """One measured scenario and its baseline measured in the same run.

    `throughput` is in `unit` per second (events/s, requests/s, customers/s); `seconds` is a
    wall time for one-shot jobs (a rescore, a fit). `higher_is_better` says which way a
    regression goes for `throughput`; latencies and seconds are always lower-is-better.
    """

    scenario: str
    unit: str
    throughput: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    seconds: float | None = None
    peak_mb: float | None = None
    baseline_name: str | None = None
    baseline_throughput: float | None = None
    baseline_p99_ms: float | None = None
    baseline_seconds: float | None = None
    target: str | None = None
    target_met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def record(figure: Figure) -> None:
    """Append `figure` to the results file named by `CXHUB_BENCH_RESULTS`, if any."""
    target = os.environ.get(RESULTS_ENV)
    if not target:
        return
    row = {k: v for k, v in asdict(figure).items() if v is not None and v != {}}
    row["recorded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    row["load_average"] = round(os.getloadavg()[0], 2)
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def read_results(path: Path) -> list[dict[str, Any]]:
    """The figures of one results file: JSON lines, or a suite summary (`{"figures": [...]}`)."""
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None  # several lines: JSON lines
    if isinstance(data, dict) and isinstance(data.get("figures"), list):
        return list(data["figures"])
    if isinstance(data, dict):
        return [data]
    return [json.loads(line) for line in text.splitlines() if line.strip()]
