"""Periodic work: each task runs for every workspace when its interval has elapsed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRegistry, SyncJobQueue
from cxhub.core.runtime import Runtime
from cxhub.core.scheduler import Scheduler
from tests.factories import Tenant


def test_due_tasks_run_once_per_interval_in_every_workspace(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    registry = JobRegistry()
    seen: list[tuple[Any, str]] = []

    @registry.register("probe")
    def probe(session: Session, payload: dict[str, Any]) -> None:
        seen.append((session.info["workspace_id"], payload["at"]))

    scheduler = Scheduler(runtime.session_factory, SyncJobQueue(registry, runtime.session_factory))
    scheduler.every(60, "probe")
    assert scheduler.run_due(monotonic_now=1000.0) == ["probe"]
    workspaces = {workspace for workspace, _at in seen}
    assert {tenant.workspace_id, other_tenant.workspace_id} <= workspaces
    seen.clear()
    assert scheduler.run_due(monotonic_now=1030.0) == []  # interval not elapsed
    assert seen == []
    assert scheduler.run_due(monotonic_now=1061.0) == ["probe"]
    assert seen


def test_the_service_domain_schedules_its_periodic_jobs(runtime: Runtime) -> None:
    assert runtime.scheduler is not None
    scheduled = {task.job_name: task.every_seconds for task in runtime.scheduler.tasks}
    assert scheduled["sla.check_breaches"] == 60
    assert "automations.run" in scheduled
    assert {"mail.process_pending", "mail.retry_due"} <= set(scheduled)
