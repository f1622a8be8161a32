"""The periodic rollup job and the analytics installer hooks (ADR 0016)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.analytics.service_rollups.build import refresh_rollups
from cxhub.analytics.service_rollups.marking import install_dirty_marking
from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime

log = logging.getLogger(__name__)

REFRESH_ROLLUPS = "analytics.service_rollups"
#: How often each workspace's dirty and missing days are rebuilt.
REFRESH_EVERY_SECONDS = 60


def run_refresh_rollups(session: Session, payload: dict[str, Any]) -> None:
    workspace_id = session.info["workspace_id"]
    at = payload.get("at")
    result = refresh_rollups(
        session,
        workspace_id=int(workspace_id),
        now=datetime.fromisoformat(at) if at else utcnow(),
    )
    if result.built:
        log.info(
            "service KPI rollups: %d days built, %d to go (workspace %s)",
            result.built,
            result.remaining,
            workspace_id,
        )


def install(runtime: Runtime) -> None:
    install_dirty_marking(runtime.session_factory)
    runtime.jobs.register(REFRESH_ROLLUPS)(run_refresh_rollups)
    if runtime.scheduler is not None:
        runtime.scheduler.every(REFRESH_EVERY_SECONDS, REFRESH_ROLLUPS)
