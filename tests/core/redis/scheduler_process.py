"""One process ticking a lease-coordinated scheduler against the real Redis:
`python -m tests.core.redis.scheduler_process PREFIX SECONDS`.

Each submitted run is pushed to `<PREFIX>:runs` as `task slot pid`, the slot taken from the wall
clock the scheduler read, so the test can check exactly-once per slot across processes.
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any, cast

from cxhub.core.jobs import JobRequest
from cxhub.core.redis_coordination import RedisSlotLease, connect_redis
from cxhub.core.scheduler import Scheduler
from tests.core.redis.conftest import REDIS_URL

EVERY = {"sla.check_breaches": 0.5, "health.rescore": 1.3}


class RecordingQueue:
    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key
        self.now = 0.0

    def clock(self) -> float:
        self.now = time.time()
        return self.now

    def submit(self, request: JobRequest) -> None:
        slot = int(self.now // EVERY[request.name])
        self.client.rpush(self.key, f"{request.name} {slot} {os.getpid()}")

    def drain(self, timeout: float = 30.0) -> None:
        return None

    def shutdown(self) -> None:
        return None


def main() -> None:
    prefix, seconds = sys.argv[1], float(sys.argv[2])
    client = connect_redis(REDIS_URL)
    queue = RecordingQueue(client, f"{prefix}:runs")
    scheduler = Scheduler(
        cast(Any, None),  # installation-wide tasks never look the workspaces up
        queue,
        lease=RedisSlotLease(client, prefix),
        wall_clock=queue.clock,
    )
    for name, every in EVERY.items():
        scheduler.every(every, name, per_workspace=False)
    client.rpush(f"{prefix}:ready", os.getpid())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        scheduler.run_due()
        time.sleep(random.uniform(0.005, 0.03))


if __name__ == "__main__":
    main()
