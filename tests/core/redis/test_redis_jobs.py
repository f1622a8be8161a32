"""The Redis job backend keeps the job interface of ADR 0004: jobs asked for with `enqueue` are
released after the commit, run in their workspace's unit of work, retried up to 3 attempts, and
failed ones are recorded for admins (ADR 0022)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, make_session_factory, unit_of_work
from cxhub.core.jobs import JobRegistry, JobRequest, attach_job_outbox, enqueue
from cxhub.core.redis_jobs import MAX_ATTEMPTS, RedisJobQueue
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from tests.core.redis.conftest import REDIS_URL
from tests.factories import Tenant


@pytest.fixture
def registry() -> JobRegistry:
    return JobRegistry()


@pytest.fixture
def job_queue(
    runtime: Runtime, registry: JobRegistry, redis_prefix: str
) -> Iterator[RedisJobQueue]:
    factory = make_session_factory(runtime.engine)
    queue = RedisJobQueue(registry, factory, redis_url=REDIS_URL, key_prefix=redis_prefix)
    attach_job_outbox(factory, queue)
    yield queue
    queue.shutdown()


@pytest.fixture
def serving(job_queue: RedisJobQueue) -> Iterator[RedisJobQueue]:
    """A worker with two threads serving the queue inside this process."""
    stop = threading.Event()
    started = threading.Event()
    thread = threading.Thread(
        target=job_queue.serve, args=(stop,), kwargs={"on_started": started.set}, daemon=True
    )
    thread.start()
    assert started.wait(10)
    yield job_queue
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def test_enqueued_jobs_run_after_the_commit_in_their_workspace(
    serving: RedisJobQueue, registry: JobRegistry, tenant: Tenant
) -> None:
    seen: list[tuple[Any, dict[str, Any]]] = []

    @registry.register("probe")
    def probe(session: Session, payload: dict[str, Any]) -> None:
        seen.append((session.info["workspace_id"], payload))

    with unit_of_work(serving.factory, tenant.workspace_id) as session:
        enqueue(session, "probe", workspace_id=tenant.workspace_id, payload={"ticket_id": 7})
        assert serving.pending() == 0  # not released before the commit
    serving.drain(20)
    assert seen == [(tenant.workspace_id, {"ticket_id": 7})]
    assert serving.completed == 1


def test_a_rolled_back_transaction_releases_no_job(
    serving: RedisJobQueue, registry: JobRegistry, tenant: Tenant
) -> None:
    registry.register("probe")(lambda session, payload: None)

    def failing_request() -> None:
        with unit_of_work(serving.factory, tenant.workspace_id) as session:
            enqueue(session, "probe", workspace_id=tenant.workspace_id)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert serving.pending() == 0
    assert serving.completed == 0


def test_a_failing_job_is_retried_and_then_succeeds(
    serving: RedisJobQueue, registry: JobRegistry
) -> None:
    attempts: list[int] = []

    @registry.register("flaky")
    def flaky(session: Session, payload: dict[str, Any]) -> None:
        attempts.append(1)
        if len(attempts) < MAX_ATTEMPTS:
            raise ConnectionError("the SMTP relay hung up")

    serving.submit(JobRequest("flaky", SYSTEM_SCOPE, {}))
    serving.drain(30)
    assert len(attempts) == MAX_ATTEMPTS
    assert serving.completed == 1
    assert serving.failed_jobs() == []


def test_a_job_failing_every_attempt_is_recorded_and_can_be_retried(
    serving: RedisJobQueue, registry: JobRegistry, tenant: Tenant
) -> None:
    attempts: list[int] = []
    healthy = threading.Event()

    @registry.register("broken")
    def broken(session: Session, payload: dict[str, Any]) -> None:
        attempts.append(payload["n"])
        if not healthy.is_set():
            raise ValueError("template missing")

    serving.submit(JobRequest("broken", tenant.workspace_id, {"n": 1}))
    serving.drain(30)
    assert len(attempts) == MAX_ATTEMPTS  # no fourth attempt
    [failed] = serving.failed_jobs()
    assert (failed.name, failed.workspace_id, failed.payload) == (
        "broken",
        tenant.workspace_id,
        {"n": 1},
    )
    assert failed.attempts == MAX_ATTEMPTS
    assert failed.error == "ValueError: template missing"
    assert serving.failed == 1

    healthy.set()
    assert serving.retry_failed() == 1
    serving.drain(30)
    assert len(attempts) == MAX_ATTEMPTS + 1
    assert serving.failed_jobs() == []


def test_an_unknown_job_fails_at_once_without_retries(serving: RedisJobQueue) -> None:
    serving.submit(JobRequest("no.such.job", SYSTEM_SCOPE, {}))
    serving.drain(20)
    [failed] = serving.failed_jobs()
    assert failed.attempts == 1
    assert "no job named 'no.such.job'" in failed.error


def test_the_runtime_builds_the_redis_backend_from_settings(redis_settings: Settings) -> None:
    runtime = build_runtime(redis_settings)
    try:
        assert isinstance(runtime.job_queue, RedisJobQueue)
        assert runtime.job_queue.namespace == f"{redis_settings.redis_key_prefix}:jobs"
        assert runtime.scheduler is not None
        assert runtime.scheduler.lease is not None
    finally:
        runtime.close()


def test_redis_backends_need_a_redis_url() -> None:
    with pytest.raises(ValueError, match="CXHUB_REDIS_URL"):
        Settings(jobs_backend="redis")
    with pytest.raises(ValueError, match="CXHUB_REDIS_URL"):
        Settings(rate_limit_backend="redis")


def test_failure_records_older_than_a_week_are_dropped(
    serving: RedisJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cxhub.core.redis_jobs as redis_jobs

    serving.submit(JobRequest("no.such.job", SYSTEM_SCOPE, {"old": True}))
    serving.drain(20)
    assert len(serving.failed_jobs()) == 1
    monkeypatch.setattr(redis_jobs, "FAILED_KEPT_SECONDS", 0)
    serving.submit(JobRequest("no.such.job", SYSTEM_SCOPE, {"old": False}))
    serving.drain(20)
    assert [job.payload for job in serving.failed_jobs()] == [{"old": False}]


def test_a_missing_redis_extra_is_a_configuration_error(
    redis_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from cxhub.core.settings import ConfigurationError

    monkeypatch.setitem(sys.modules, "dramatiq", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'cxhub\[redis\]'"):
        build_runtime(redis_settings)
