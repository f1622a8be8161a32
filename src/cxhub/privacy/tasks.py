"""Privacy background work (entry point `cxhub.domains: privacy`): the file part of each
erasure, deleting attachment files the message retention unreferenced, the periodic
retention run per workspace (which also finishes any erasure a crash
left `files_pending`) and for the installation's failed-login counters, and a daily sweep of
attachment files no row references (what a lost purge job left)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.privacy.erasure import (
    FINISH_ERASURE,
    attachment_store,
    finish_erasure,
    finish_pending_erasures,
)
from cxhub.privacy.retention import (
    PURGE_ATTACHMENT_FILES,
    apply_login_failure_retention,
    apply_retention,
)
from cxhub.service.tickets.erasure import purge_unreferenced_files, sweep_unreferenced_files

APPLY_RETENTION = "privacy.apply_retention"
LOGIN_FAILURE_RETENTION = "privacy.login_failure_retention"
SWEEP_ATTACHMENT_FILES = "privacy.sweep_attachment_files"
#: The sweep of unreferenced attachment files (the purges' backstop) runs once a day.
SWEEP_EVERY_SECONDS = 24 * 3600


def _workspace_of(session: Session) -> int:
    workspace_id = session.info.get("workspace_id")
    if not isinstance(workspace_id, int):
        raise RuntimeError("privacy jobs run scoped to one workspace")
    return workspace_id


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    factory = runtime.session_factory

    # The file part must not hold a transaction open: the job's own session stays unused
    # (finish_erasure reads and writes in short units of work of its own).
    def run_finish(session: Session, payload: dict[str, Any]) -> None:
        finish_erasure(
            factory,
            workspace_id=_workspace_of(session),
            erasure_id=int(payload["erasure_id"]),
            data_dir=settings.data_dir,
            job_queue=runtime.job_queue,
        )

    def run_retention(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        # Each pending erasure in its own units of work: one that fails is logged and retried
        # next time, and never stops the retention below.
        finish_pending_erasures(
            factory,
            workspace_id=_workspace_of(session),
            data_dir=settings.data_dir,
            job_queue=runtime.job_queue,
        )
        apply_retention(
            session,
            workspace_id=int(session.info["workspace_id"]),
            data_dir=settings.data_dir,
            batch_size=settings.retention_batch_size,
            now=datetime.fromisoformat(at) if at else None,
        )

    def run_login_retention(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        apply_login_failure_retention(
            session,
            days=settings.login_failure_retention_days,
            batch_size=settings.retention_batch_size,
            now=datetime.fromisoformat(at) if at else None,
            dry_run=False,
        )

    def run_purge(session: Session, payload: dict[str, Any]) -> None:
        purge_unreferenced_files(
            session,
            store=attachment_store(settings.data_dir),
            sha256s=set(payload.get("sha256", [])),
        )

    # Installation-wide and in short units of work of its own, as the file part above.
    def run_sweep(session: Session, payload: dict[str, Any]) -> None:
        sweep_unreferenced_files(factory, store=attachment_store(settings.data_dir))

    runtime.jobs.register(FINISH_ERASURE)(run_finish)
    runtime.jobs.register(SWEEP_ATTACHMENT_FILES)(run_sweep)
    runtime.jobs.register(PURGE_ATTACHMENT_FILES)(run_purge)
    runtime.jobs.register(APPLY_RETENTION)(run_retention)
    runtime.jobs.register(LOGIN_FAILURE_RETENTION)(run_login_retention)
    if runtime.scheduler is not None:
        runtime.scheduler.every(settings.retention_every_seconds, APPLY_RETENTION)
        runtime.scheduler.every(
            settings.retention_every_seconds, LOGIN_FAILURE_RETENTION, per_workspace=False
        )
        runtime.scheduler.every(SWEEP_EVERY_SECONDS, SWEEP_ATTACHMENT_FILES, per_workspace=False)
