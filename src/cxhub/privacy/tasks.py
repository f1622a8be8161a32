"""Privacy background work (entry point `cxhub.domains: privacy`): the file part of each
erasure, and the periodic retention run per workspace (which also finishes any erasure a crash
left `files_pending`) and for the installation's failed-login counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.privacy.erasure import FINISH_ERASURE, finish_erasure, pending_erasure_ids
from cxhub.privacy.retention import apply_login_failure_retention, apply_retention

APPLY_RETENTION = "privacy.apply_retention"
LOGIN_FAILURE_RETENTION = "privacy.login_failure_retention"


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    def run_finish(session: Session, payload: dict[str, Any]) -> None:
        finish_erasure(session, erasure_id=int(payload["erasure_id"]), data_dir=settings.data_dir)

    def run_retention(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        for erasure_id in pending_erasure_ids(session):
            finish_erasure(session, erasure_id=erasure_id, data_dir=settings.data_dir)
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

    runtime.jobs.register(FINISH_ERASURE)(run_finish)
    runtime.jobs.register(APPLY_RETENTION)(run_retention)
    runtime.jobs.register(LOGIN_FAILURE_RETENTION)(run_login_retention)
    if runtime.scheduler is not None:
        runtime.scheduler.every(settings.retention_every_seconds, APPLY_RETENTION)
        runtime.scheduler.every(
            settings.retention_every_seconds, LOGIN_FAILURE_RETENTION, per_workspace=False
        )
