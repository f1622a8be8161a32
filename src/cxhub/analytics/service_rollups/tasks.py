"""The periodic rollup job and the analytics installer hooks (ADR 0019)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.build import JOB_MAX_DAYS, RefreshResult, refresh_rollups
from cxhub.analytics.service_rollups.marking import install_dirty_marking
from cxhub.core.db import reader_bind, utcnow, workspace_session_info
from cxhub.core.runtime import Runtime

log = logging.getLogger(__name__)

REFRESH_ROLLUPS = "analytics.service_rollups"
#: How often each workspace's dirty and missing days are rebuilt.
REFRESH_EVERY_SECONDS = 60


def refresh_with_reader(
    runtime: Runtime, session: Session, *, workspace_id: int, now: datetime, max_days: int | None
) -> RefreshResult:
    """`refresh_rollups` reading through a read-only session of the same workspace, so the
    write lock (SQLite) is held only while the computed rows are written."""
    bind = runtime.read_engine or reader_bind(runtime.engine)
    reader = runtime.session_factory(bind=bind, info=workspace_session_info(workspace_id))
    try:
        return refresh_rollups(
            session, workspace_id=workspace_id, now=now, max_days=max_days, read_session=reader
        )
    finally:
        reader.close()


def install(runtime: Runtime) -> None:
    install_dirty_marking(runtime.session_factory)

    def run_refresh_rollups(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = int(session.info["workspace_id"])
        at = payload.get("at")
        result = refresh_with_reader(
            runtime,
            session,
            workspace_id=workspace_id,
            now=datetime.fromisoformat(at) if at else utcnow(),
            max_days=JOB_MAX_DAYS,
        )
        if result.built:
            log.info(
                "service KPI rollups: %d days built, %d to go (workspace %s)",
                result.built,
                result.remaining,
                workspace_id,
            )

    runtime.jobs.register(REFRESH_ROLLUPS)(run_refresh_rollups)
    if runtime.scheduler is not None:
        runtime.scheduler.every(REFRESH_EVERY_SECONDS, REFRESH_ROLLUPS)
