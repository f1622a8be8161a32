"""The production job backend: a durable Redis queue served by `cxhub worker` processes (ADR 0022).

Dramatiq's Redis broker carries the queue; cxhub keeps its own job interface (ADR 0004) on top:
services still call `enqueue(session, name, ...)`, released after the commit, and a process that
only serves web requests just puts messages on the queue. Every job travels as one dramatiq
message for a single actor, `cxhub.job`, that looks the job up in this process's `JobRegistry`
and runs it in a unit of work of its workspace, exactly as the in-process executor does.

Attempt semantics are those of the in-process executor: up to `MAX_ATTEMPTS` attempts (retries
after a short backoff), no retry for an unknown job name. A job that fails its last attempt goes
to dramatiq's dead-letter set and is recorded (name, workspace, payload, attempts, last error)
under `<prefix>:jobs:failed`, listed by `cxhub worker failed`, put back by `cxhub worker retry-failed`.

Nothing is lost on a crash: a worker moves each message it takes to an acknowledgement set of its
own and acknowledges it only after the job's transaction has ended; a worker that stops sending
heartbeats for `jobs_dead_worker_seconds` is declared dead and its unacknowledged messages go back
on the queue (at-least-once: jobs are idempotent, ADR 0004).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.middleware import CurrentMessage, Retries
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import unit_of_work
from cxhub.core.jobs import FailureMatch, JobRegistry, JobRequest

log = logging.getLogger(__name__)

QUEUE_NAME = "cxhub"
ACTOR_NAME = "cxhub.job"
MAX_ATTEMPTS = 3
#: First retry after about this long, doubling (with jitter) for the next one.
RETRY_BACKOFF_MS = 500
#: Out of a million broker commands, how many also look for dead workers (1 %: with an idle
#: worker polling about once a second, a dead worker's jobs are requeued within a minute or two of
#: its heartbeat timeout; dramatiq's own default of 0.1 % would take a quarter of an hour).
MAINTENANCE_CHANCE = 10_000
#: Failed-job records older than this are dropped (when the next failure is recorded), like
#: dramatiq's own dead-letter copies.
FAILED_KEPT_SECONDS = 7 * 86400
#: How many of the newest failures a per-workspace listing looks through.
SCANNED_FAILURES = 10_000


class UnknownJob(LookupError):
    """A message names a job this process has not registered: retrying cannot help."""


@dataclass(frozen=True)
class FailedJob:
    message_id: str
    name: str
    workspace_id: int | str
    payload: dict[str, Any]
    attempts: int
    failed_at: datetime
    error: str
    redis_message_id: str | None = None


def _should_retry(retries_so_far: int, exception: BaseException) -> bool:
    """Dramatiq asks after each failed attempt; `retries_so_far + 1` attempts have run."""
    return not isinstance(exception, UnknownJob) and retries_so_far + 1 < MAX_ATTEMPTS


class RedisJobQueue:
    """`JobQueue` over Redis. `submit` only enqueues; `serve(...)` (in `cxhub worker`) runs jobs."""

    def __init__(
        self,
        registry: JobRegistry,
        factory: sessionmaker[Session],
        *,
        redis_url: str,
        key_prefix: str,
        dead_worker_seconds: float = 60.0,
        maintenance_chance: int = MAINTENANCE_CHANCE,
    ) -> None:
        self.registry = registry
        self.factory = factory
        self.namespace = f"{key_prefix}:jobs"
        self.completed = 0
        self.failed = 0
        self._counter_lock = threading.Lock()
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace=self.namespace,
            middleware=[
                CurrentMessage(),
                Retries(
                    min_backoff=RETRY_BACKOFF_MS,
                    max_backoff=30_000,
                    retry_when=_should_retry,
                ),
            ],
            heartbeat_timeout=int(dead_worker_seconds * 1000),
            maintenance_chance=min(maintenance_chance, MAINTENANCE_SCALE),
        )
        self.actor: dramatiq.Actor[..., None] = dramatiq.Actor(
            self._run,
            broker=self.broker,
            actor_name=ACTOR_NAME,
            queue_name=QUEUE_NAME,
            priority=0,
            options={},
        )

    # --- the JobQueue protocol -------------------------------------------------------------------

    def submit(self, request: JobRequest) -> None:
        self.actor.send(request.name, request.workspace_id, request.payload)

    def pending(self) -> int:
        """Jobs queued, delayed for a retry or running, across all workers."""
        return int(self.broker.do_qsize(QUEUE_NAME))

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every job of the queue (in any worker) has finished; tests and tools."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() >= deadline:
                raise TimeoutError("background jobs did not finish in time")
            time.sleep(0.05)

    def shutdown(self) -> None:
        """Queued jobs stay in Redis for the workers; only the connections are closed."""
        self.broker.close()
        self.broker.client.close()

    # --- running jobs (worker side) --------------------------------------------------------------

    def _run(self, name: str, workspace_id: int | str, payload: dict[str, Any]) -> None:
        message = CurrentMessage.get_current_message()
        attempt = 1 + (int(message.options.get("retries", 0)) if message is not None else 0)
        try:
            if name not in self.registry.names():
                raise UnknownJob(f"no job named {name!r}")
            with unit_of_work(self.factory, workspace_id) as session:
                self.registry.get(name)(session, payload)
        except Exception as exc:
            log.exception("job %s (attempt %d of %d) failed", name, attempt, MAX_ATTEMPTS)
            if isinstance(exc, UnknownJob) or attempt >= MAX_ATTEMPTS:
                self._count(failed=True)
                self._record_failure(name, workspace_id, payload, attempt, exc)
            raise
        self._count(failed=False)

    def _count(self, *, failed: bool) -> None:
        with self._counter_lock:
            if failed:
                self.failed += 1
            else:
                self.completed += 1

    def serve(
        self,
        stop: threading.Event,
        *,
        threads: int = 2,
        grace_seconds: float = 30.0,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        """Run jobs on `threads` threads until `stop` is set, then stop gracefully: running jobs
        finish (up to `grace_seconds`), jobs taken but not started go back on the queue."""
        worker = dramatiq.Worker(
            self.broker, queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=500
        )
        worker.start()
        log.info("cxhub worker running %d thread(s) on %s", threads, self.namespace)
        if on_started is not None:
            on_started()
        try:
            stop.wait()
        finally:
            log.info("cxhub worker stopping: letting running jobs finish")
            worker.stop(timeout=int(grace_seconds * 1000))

    # --- dead letters ----------------------------------------------------------------------------

    def _record_failure(
        self,
        name: str,
        workspace_id: int | str,
        payload: dict[str, Any],
        attempt: int,
        error: BaseException,
    ) -> None:
        """Keep what an admin needs (dramatiq's dead-letter copy lacks the last error)."""
        message = CurrentMessage.get_current_message()
        message_id = message.message_id if message is not None else f"local-{time.time_ns()}"
        record = {
            "name": name,
            "workspace_id": workspace_id,
            "payload": payload,
            "attempts": attempt,
            "failed_at": time.time(),
            "error": f"{type(error).__name__}: {error}"[:2000],
            "redis_message_id": message.options.get("redis_message_id") if message else None,
        }
        index, records = self._failure_keys
        client: redis.Redis = self.broker.client
        now = time.time()
        pipe = client.pipeline()
        # Errors may quote personal data: records do not outlive dramatiq's copy.
        for expired in self._expired_ids(now):
            self._forget(pipe, expired)
        pipe.hset(records, message_id, json.dumps(record, default=str))
        pipe.zadd(index, {message_id: now})
        pipe.execute()

    @property
    def _failure_keys(self) -> tuple[str, str]:
        return f"{self.namespace}:failed", f"{self.namespace}:failed.records"

    def _expired_ids(self, now: float) -> list[str]:
        index, _ = self._failure_keys
        client: redis.Redis = self.broker.client
        return [_text(m) for m in client.zrangebyscore(index, 0, now - FAILED_KEPT_SECONDS)]

    def _forget(
        self, pipe: redis.client.Pipeline, message_id: str, redis_message_id: str | None = None
    ) -> None:
        """Queue on `pipe` the deletion of one failure record and of dramatiq's dead letter."""
        index, records = self._failure_keys
        pipe.zrem(index, message_id)
        pipe.hdel(records, message_id)
        if redis_message_id:
            dead_letters = f"{self.namespace}:{QUEUE_NAME}.XQ"
            pipe.zrem(dead_letters, redis_message_id)
            pipe.hdel(f"{dead_letters}.msgs", redis_message_id)

    def failed_jobs(
        self, limit: int = 100, *, workspace_id: int | None = None, scan_all: bool = False
    ) -> list[FailedJob]:
        """Jobs that failed their last attempt, newest first (only `workspace_id`'s, if given,
        among the newest `SCANNED_FAILURES`, or among all with `scan_all`)."""
        index, records = self._failure_keys
        client: redis.Redis = self.broker.client
        last = limit - 1 if workspace_id is None else SCANNED_FAILURES - 1
        if scan_all:
            last = -1
        ids = [_text(member) for member in client.zrevrange(index, 0, last)]
        found: list[FailedJob] = []
        for message_id, data in zip(ids, client.hmget(records, ids) if ids else [], strict=True):
            if data is None:
                continue
            record = json.loads(data)
            if workspace_id is not None and record["workspace_id"] != workspace_id:
                continue
            found.append(
                FailedJob(
                    message_id=message_id,
                    name=record["name"],
                    workspace_id=record["workspace_id"],
                    payload=record["payload"],
                    attempts=int(record["attempts"]),
                    failed_at=datetime.fromtimestamp(float(record["failed_at"]), UTC),
                    error=record["error"],
                    redis_message_id=record.get("redis_message_id"),
                )
            )
        return found[:limit]

    def forget_failed_jobs(self, workspace_id: int, mentions: FailureMatch) -> int:
        """Delete the workspace's failed-job records that `mentions` (an erased person's ids or
        identifiers in the payload or the error), with dramatiq's dead-letter copy of each, and
        every record past `FAILED_KEPT_SECONDS` of any workspace. How many of the workspace's
        were deleted."""
        client: redis.Redis = self.broker.client
        expired = self._expired_ids(time.time())
        matched = [
            job
            for job in self.failed_jobs(limit=sys.maxsize, workspace_id=workspace_id, scan_all=True)
            if mentions(job.payload, job.error)
        ]
        pipe = client.pipeline()
        for message_id in expired:
            self._forget(pipe, message_id)
        for job in matched:
            self._forget(pipe, job.message_id, job.redis_message_id)
        pipe.execute()
        return len(matched)

    def retry_failed(self) -> int:
        """Put every failed job back on the queue for a fresh set of attempts."""
        failed = self.failed_jobs(limit=1_000_000)
        client: redis.Redis = self.broker.client
        for job in failed:
            self.submit(JobRequest(job.name, job.workspace_id, job.payload))
            pipe = client.pipeline()
            self._forget(pipe, job.message_id, job.redis_message_id)
            pipe.execute()
        return len(failed)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
