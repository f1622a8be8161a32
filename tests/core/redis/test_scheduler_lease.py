"""Periodic jobs are submitted once per slot across every process, never twice (ADR 0022)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, cast

import redis

from cxhub.core.jobs import JobRequest
from cxhub.core.redis_coordination import RedisSlotLease, connect_redis
from cxhub.core.scheduler import Scheduler
from tests.core.redis.conftest import REDIS_URL
from tests.core.redis.scheduler_process import EVERY

REPO = Path(__file__).resolve().parents[3]


class CountingQueue:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, request: JobRequest) -> None:
        self.submitted.append(request.name)

    def drain(self, timeout: float = 30.0) -> None:
        return None

    def shutdown(self) -> None:
        return None


def lease_scheduler(prefix: str) -> tuple[Scheduler, CountingQueue, redis.Redis]:
    client = connect_redis(REDIS_URL)  # a client (connection) of its own, as a process has
    queue = CountingQueue()
    scheduler = Scheduler(cast(Any, None), queue, lease=RedisSlotLease(client, prefix))
    scheduler.every(60, "sla.check_breaches", per_workspace=False)
    scheduler.every(3600, "db.optimize", per_workspace=False)
    return scheduler, queue, client


def test_schedulers_ticking_together_submit_each_slot_once(redis_prefix: str) -> None:
    members = [lease_scheduler(redis_prefix) for _ in range(8)]
    barrier = threading.Barrier(len(members))

    def tick(scheduler: Scheduler, now: float) -> None:
        barrier.wait()
        scheduler.run_due(monotonic_now=now)

    for now in (1_000_020.0, 1_000_050.0, 1_000_090.0):  # slots 16667, 16667, 16668 of 60 s
        threads = [
            threading.Thread(target=tick, args=(scheduler, now)) for scheduler, _q, _c in members
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    submitted = Counter(name for _s, queue, _c in members for name in queue.submitted)
    assert submitted == {"sla.check_breaches": 2, "db.optimize": 1}
    # `force` (an operator asking for a run now) bypasses the lease.
    scheduler, queue, _client = members[0]
    before = len(queue.submitted)
    assert sorted(scheduler.run_due(monotonic_now=1_000_091.0, force=True)) == [
        "db.optimize",
        "sla.check_breaches",
    ]
    assert len(queue.submitted) == before + 2
    for _s, _q, client in members:
        client.close()


def test_processes_run_each_slot_exactly_once_and_take_over_from_a_dead_one(
    redis_prefix: str, redis_client: redis.Redis
) -> None:
    processes = [
        subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "tests.core.redis.scheduler_process", redis_prefix, "7"],
            cwd=REPO,
        )
        for _ in range(4)
    ]
    try:
        deadline = time.monotonic() + 30
        while redis_client.llen(f"{redis_prefix}:ready") < len(processes):
            assert time.monotonic() < deadline, "scheduler processes did not start"
            time.sleep(0.05)
        time.sleep(2.5)
        for process in processes[:3]:  # three of four die; the last one goes on alone
            process.kill()
            process.wait(10)
        assert processes[3].wait(30) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    runs = [raw.decode().split() for raw in redis_client.lrange(f"{redis_prefix}:runs", 0, -1)]
    for task in EVERY:
        slots = [int(slot) for name, slot, _pid in runs if name == task]
        assert len(slots) == len(set(slots)), f"{task} ran twice in a slot"
        # No gap: every slot from the first to the last ran, before and after the deaths.
        assert sorted(slots) == list(range(min(slots), max(slots) + 1))
        assert len(slots) >= (7 - 3) / EVERY[task]  # ran through the whole window
    survivor_runs = {pid for _n, _s, pid in runs} & {str(processes[3].pid)}
    assert survivor_runs  # the survivor took over


class FlakyLease:
    """Wins every slot, except that Redis is 'down' for one task."""

    def claim(self, task_name: str, slot: int, ttl_seconds: float) -> bool:
        if task_name == "unlucky":
            raise redis.ConnectionError("Redis went away")
        return True


def test_a_lease_error_skips_only_that_task_until_the_next_tick() -> None:
    queue = CountingQueue()
    scheduler = Scheduler(cast(Any, None), queue, lease=FlakyLease())
    scheduler.every(60, "unlucky", per_workspace=False)
    scheduler.every(60, "lucky", per_workspace=False)
    assert scheduler.run_due(monotonic_now=600.0) == ["lucky"]
    assert queue.submitted == ["lucky"]
