"""Periodic work: each task runs for every workspace when its interval has elapsed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.jobs import JobRegistry, SyncJobQueue
from cxhub.core.maintenance import OPTIMIZE_DATABASE, optimize_database
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


def test_installation_wide_tasks_run_once_in_the_system_scope(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    registry = JobRegistry()
    scopes: list[Any] = []

    @registry.register("upkeep")
    def upkeep(session: Session, payload: dict[str, Any]) -> None:
        scopes.append(session.info["workspace_id"])

    scheduler = Scheduler(runtime.session_factory, SyncJobQueue(registry, runtime.session_factory))
    scheduler.every(3600, "upkeep", per_workspace=False)
    scheduler.run_due(monotonic_now=5000.0)
    assert scopes == [SYSTEM_SCOPE]


def test_database_upkeep_is_scheduled_and_runs(runtime: Runtime) -> None:
    assert runtime.scheduler is not None
    tasks = {task.job_name: task for task in runtime.scheduler.tasks}
    assert tasks[OPTIMIZE_DATABASE].per_workspace is False
    executed: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        executed.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", capture)
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            optimize_database(session, {})
            sqlite = session.get_bind().dialect.name == "sqlite"
    finally:
        event.remove(runtime.engine, "before_cursor_execute", capture)
    upkeep = {"PRAGMA optimize=0x10002", "ANALYZE"}
    assert bool(upkeep & set(executed)) is sqlite  # PostgreSQL: autovacuum's job
