"""A real worker process with test jobs: `python -m tests.core.redis.worker_process THREADS`.

Settings come from the environment (see `worker_environment`); it serves through the same
`run_worker` as `cxhub worker run`, and looks for dead workers on every broker command so a test
does not wait minutes for dramatiq's random maintenance.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from dramatiq.brokers.redis import MAINTENANCE_SCALE
from sqlalchemy.orm import Session

from cxhub.cli.worker import redis_queue, run_worker
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import load_settings


def record(session: Session, payload: dict[str, Any]) -> None:
    """Note the start; sleep `first_sleep` the first time this key starts anywhere (so a killed
    run is slow and its retry quick); then append `key pid` to the log."""
    started = Path(payload["started"])
    first_time = not started.exists() or payload["key"] not in started.read_text().split()
    with started.open("a") as handle:
        handle.write(f"{payload['key']}\n")
    if first_time:
        time.sleep(float(payload.get("first_sleep", 0)))
    with Path(payload["log"]).open("a") as handle:
        handle.write(f"{payload['key']} {os.getpid()}\n")


def main() -> None:
    runtime = build_runtime(load_settings())
    runtime.jobs.register("test.record")(record)
    redis_queue(runtime).broker.maintenance_chance = MAINTENANCE_SCALE
    run_worker(runtime, threads=int(sys.argv[1]) if len(sys.argv) > 1 else 1)


if __name__ == "__main__":
    main()
