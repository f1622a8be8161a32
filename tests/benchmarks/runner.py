"""Running a benchmark module end to end from a test, its figures recorded to a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.results import RESULTS_ENV, read_results

ROOT = Path(__file__).resolve().parents[2]


def run_benchmark(
    module: str, arguments: list[str], results: Path, *, timeout: float = 300
) -> tuple[str, list[dict[str, Any]]]:
    """`python -m benchmarks.<module> <arguments>`: its output and the figures it recorded;
    fails the test with its last output when it exits non-zero."""
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", f"benchmarks.{module}", *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, RESULTS_ENV: str(results)},
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout, list(read_results(results))
