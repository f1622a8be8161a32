"""`GET /api/v1/jobs/failed`: a workspace's admins see its failed jobs, and only its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cxhub.api.app import create_app
from cxhub.core.jobs import JobRequest
from cxhub.core.permissions import Role
from cxhub.core.redis_jobs import RedisJobQueue
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from tests.factories import Tenant


@pytest.fixture
def redis_runtime(redis_settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(redis_settings)
    yield runtime
    runtime.close()


def test_admins_see_their_workspace_failed_jobs_only(
    redis_runtime: Runtime, redis_settings: Settings, tenant: Tenant, other_tenant: Tenant
) -> None:
    @redis_runtime.jobs.register("test.always_fails")
    def always_fails(session: Session, payload: dict[str, Any]) -> None:
        raise RuntimeError(f"relay refused ticket {payload['ticket_id']}")

    queue = redis_runtime.job_queue
    assert isinstance(queue, RedisJobQueue)
    stop, started = threading.Event(), threading.Event()
    worker = threading.Thread(
        target=queue.serve, args=(stop,), kwargs={"on_started": started.set}, daemon=True
    )
    worker.start()
    assert started.wait(10)
    try:
        queue.submit(JobRequest("test.always_fails", tenant.workspace_id, {"ticket_id": 1}))
        queue.submit(JobRequest("test.always_fails", other_tenant.workspace_id, {"ticket_id": 2}))
        queue.drain(60)
    finally:
        stop.set()
        worker.join(30)

    with TestClient(create_app(redis_settings, redis_runtime)) as client:
        answer = client.get("/api/v1/jobs/failed", headers=tenant.admin)
        assert answer.status_code == 200
        [failed] = answer.json()
        assert failed["name"] == "test.always_fails"
        assert failed["attempts"] == 3
        assert failed["payload"] == {"ticket_id": 1}
        assert failed["error"] == "RuntimeError: relay refused ticket 1"
        other = client.get("/api/v1/jobs/failed", headers=other_tenant.admin).json()
        assert [job["payload"] for job in other] == [{"ticket_id": 2}]
        denied = client.get("/api/v1/jobs/failed", headers=tenant.headers(Role.AGENT))
        assert denied.status_code == 403


def test_the_list_is_empty_with_the_in_process_backends(client: TestClient, tenant: Tenant) -> None:
    answer = client.get("/api/v1/jobs/failed", headers=tenant.admin)
    assert answer.status_code == 200
    assert answer.json() == []
