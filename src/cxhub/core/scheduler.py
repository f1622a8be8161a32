"""Periodic work (SLA checks, outbound mail retries, time-based automations).

A periodic task is a job name plus an interval. `Scheduler.tick(now)` enqueues, for every
workspace, each task whose interval has elapsed; a daemon thread calls it in `cxhub serve`.
Tests and the CLI call `run_due(...)` directly, so time can be controlled.

Without coordination only one process may tick (`CXHUB_SCHEDULER=off` on the others). With a
`SlotLease` (Redis, when `CXHUB_REDIS_URL` is set; ADR 0022) every web and worker process ticks:
time is cut into slots of each task's interval (aligned on the Unix epoch) and a run is submitted
only by the process that wins the lease of that (task, slot), so N processes produce exactly one
run per slot, and when one dies the others go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work, utcnow
from cxhub.core.jobs import JobQueue, JobRequest
from cxhub.core.tenancy import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    job_name: str
    every_seconds: float
    #: False for installation-wide maintenance: one job in the system scope, not one per workspace.
    per_workspace: bool = True


class SlotLease(Protocol):
    def claim(self, task_name: str, slot: int, ttl_seconds: float) -> bool:
        """True for exactly one caller per (task, slot) across every process."""
        ...


class Scheduler:
    def __init__(
        self,
        factory: sessionmaker[Session],
        job_queue: JobQueue,
        *,
        clock: Callable[[], datetime] = utcnow,
        lease: SlotLease | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.factory = factory
        self.job_queue = job_queue
        self.clock = clock
        self.lease = lease
        self.wall_clock = wall_clock
        self.tasks: list[PeriodicTask] = []
        self._last_run: dict[str, float] = {}
        self._last_slot: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def every(self, seconds: float, job_name: str, *, per_workspace: bool = True) -> None:
        self.tasks.append(PeriodicTask(job_name, seconds, per_workspace))

    def workspace_ids(self) -> list[int]:
        with unit_of_work(self.factory, SYSTEM_SCOPE) as session:
            return list(session.scalars(select(Workspace.id).order_by(Workspace.id)))

    def run_due(self, *, monotonic_now: float | None = None, force: bool = False) -> list[str]:
        """Submit every task whose interval has elapsed (all of them with `force`).

        With a lease, `monotonic_now` is read as Unix time (seconds) and a task is due when this
        process wins its current slot; `force` submits without asking the lease."""
        if self.lease is not None and not force:
            due = self._won_slots(self.wall_clock() if monotonic_now is None else monotonic_now)
        else:
            now = time.monotonic() if monotonic_now is None else monotonic_now
            due = [
                task
                for task in self.tasks
                if force or now - self._last_run.get(task.job_name, -1e18) >= task.every_seconds
            ]
            for task in due:
                self._last_run[task.job_name] = now
        if not due:
            return []
        workspaces = self.workspace_ids() if any(t.per_workspace for t in due) else []
        for task in due:
            scopes: list[int | str] = list(workspaces) if task.per_workspace else [SYSTEM_SCOPE]
            for scope in scopes:
                self.job_queue.submit(
                    JobRequest(task.job_name, scope, {"at": self.clock().isoformat()})
                )
        return [task.job_name for task in due]

    def _won_slots(self, unix_now: float) -> list[PeriodicTask]:
        assert self.lease is not None
        won: list[PeriodicTask] = []
        for task in self.tasks:
            slot = int(unix_now // task.every_seconds)
            if self._last_slot.get(task.job_name) == slot:
                continue  # this process already asked for this slot
            try:
                # Kept past the slot's end, so a process whose clock lags cannot win it again.
                if self.lease.claim(task.job_name, slot, 2 * task.every_seconds + 60):
                    won.append(task)
            except Exception:
                # Redis unreachable: ask again at the next tick; the tasks won so far still run.
                log.exception("could not claim the lease of %s", task.job_name)
                continue
            self._last_slot[task.job_name] = slot
        return won

    def start(self, *, tick_seconds: float = 5.0) -> None:
        def loop() -> None:
            while not self._stop.wait(tick_seconds):
                try:
                    self.run_due()
                except Exception:
                    log.exception("scheduler tick failed")

        self._thread = threading.Thread(target=loop, name="cxhub-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
