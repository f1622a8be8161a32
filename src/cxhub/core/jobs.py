"""One job interface for background work (ADR 0004).

Jobs are named functions registered with `JobRegistry`. Services ask for work with
`enqueue(session, name, workspace_id=..., payload=...)`; like events, the request is released only
when the session commits. The default backend runs jobs on a worker thread in this process; the
`sync` backend runs them inline right after the commit (tests, CLI). Each job runs in its own unit
of work scoped to its workspace.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import unit_of_work
from cxhub.core.events import discard_when_uncommitted

log = logging.getLogger(__name__)

OUTBOX_KEY = "cxhub_pending_jobs"


@dataclass(frozen=True)
class JobRequest:
    name: str
    # A workspace id, or SYSTEM_SCOPE for installation-wide maintenance jobs.
    workspace_id: int | str
    payload: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1


JobFunction = Callable[[Session, dict[str, Any]], None]


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, JobFunction] = {}

    def register(self, name: str) -> Callable[[JobFunction], JobFunction]:
        def decorator(func: JobFunction) -> JobFunction:
            if name in self._jobs:
                raise ValueError(f"job {name!r} registered twice")
            self._jobs[name] = func
            return func

        return decorator

    def get(self, name: str) -> JobFunction:
        try:
            return self._jobs[name]
        except KeyError:
            raise LookupError(f"no job named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._jobs)


def enqueue(
    session: Session, name: str, *, workspace_id: int, payload: dict[str, Any] | None = None
) -> None:
    """Ask for a job to run once `session` commits."""
    session.info.setdefault(OUTBOX_KEY, []).append(JobRequest(name, workspace_id, payload or {}))


#: Whether a failed job's record mentions someone: called with its payload and last error.
FailureMatch = Callable[[dict[str, Any], str], bool]


class JobQueue(Protocol):
    def submit(self, request: JobRequest) -> None: ...
    def drain(self, timeout: float = 30.0) -> None: ...
    def shutdown(self) -> None: ...
    def forget_failed_jobs(self, workspace_id: int, mentions: FailureMatch) -> int:
        """Delete the kept failed jobs of the workspace that `mentions` (erasure); how many."""
        ...


class _JobExecutor:
    max_attempts = 3

    def __init__(self, registry: JobRegistry, factory: sessionmaker[Session]) -> None:
        self.registry = registry
        self.factory = factory
        self.completed = 0
        self.failed = 0

    def execute(self, request: JobRequest) -> JobRequest | None:
        """Run one attempt; return the retry request when it should be tried again."""
        try:
            func = self.registry.get(request.name)
            with unit_of_work(self.factory, request.workspace_id) as session:
                func(session, request.payload)
            self.completed += 1
            return None
        except Exception:
            log.exception("job %s (attempt %d) failed", request.name, request.attempt)
            if request.attempt < self.max_attempts and request.name in self.registry.names():
                return JobRequest(
                    request.name, request.workspace_id, request.payload, request.attempt + 1
                )
            self.failed += 1
            return None

    def forget_failed_jobs(self, workspace_id: int, mentions: FailureMatch) -> int:
        """In-process queues keep no failed jobs (a failure is only logged): nothing to do."""
        return 0


class SyncJobQueue(_JobExecutor):
    """Runs each job inline, immediately after the commit that released it."""

    def submit(self, request: JobRequest) -> None:
        retry: JobRequest | None = request
        while retry is not None:
            retry = self.execute(retry)

    def drain(self, timeout: float = 30.0) -> None:
        return None

    def shutdown(self) -> None:
        return None


class InProcessJobQueue(_JobExecutor):
    """A daemon worker thread fed by a FIFO queue.

    `shutdown()` is graceful: it waits up to `grace_seconds` for every queued job, retries
    included, to finish, then stops the worker. A job still queued after the grace period is
    logged by name and dropped; its transaction never started, so nothing is half-written, and
    the periodic sweeps (mail intake, outbound retries, SLA checks) pick its work up again after
    the restart.
    """

    def __init__(
        self,
        registry: JobRegistry,
        factory: sessionmaker[Session],
        *,
        grace_seconds: float = 30.0,
    ) -> None:
        super().__init__(registry, factory)
        self.grace_seconds = grace_seconds
        self._queue: queue.Queue[JobRequest | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="cxhub-jobs", daemon=True)
        self._thread.start()

    def submit(self, request: JobRequest) -> None:
        self._queue.put(request)

    def _work(self) -> None:
        while True:
            request = self._queue.get()
            try:
                if request is None:
                    return
                retry = self.execute(request)
                if retry is not None:
                    self._queue.put(retry)
            finally:
                self._queue.task_done()

    def drain(self, timeout: float = 30.0) -> None:
        done = threading.Event()

        def wait_for_queue() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait_for_queue, daemon=True).start()
        if not done.wait(timeout):
            raise TimeoutError("background jobs did not finish in time")

    def shutdown(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.drain(self.grace_seconds)
        except TimeoutError:
            with self._queue.mutex:
                left = [r.name for r in self._queue.queue if r is not None]
            log.warning(
                "shutting down with %d background job(s) unfinished after %.0f s: %s "
                "(the periodic sweeps pick their work up after the restart)",
                len(left),
                self.grace_seconds,
                ", ".join(sorted(set(left))) or "one running",
            )
            with self._queue.mutex:
                self._queue.queue.clear()
        self._queue.put(None)
        self._thread.join(timeout=max(1.0, self.grace_seconds))


def attach_job_outbox(factory: sessionmaker[Session], job_queue: JobQueue) -> None:
    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a released savepoint is not the commit: jobs wait for the real one
        for request in session.info.pop(OUTBOX_KEY, []):
            job_queue.submit(request)

    sa_event.listen(factory, "after_commit", after_commit)
    # Dropped when the outermost transaction ends uncommitted, not on a savepoint rollback.
    sa_event.listen(factory, "after_transaction_end", discard_when_uncommitted(OUTBOX_KEY))
