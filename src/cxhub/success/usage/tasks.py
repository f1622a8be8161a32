"""Usage background work: the periodic compaction of the inbox into Parquet (ADR 0015)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.success.usage.compaction import compact

COMPACT = "usage.compact"


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    def run_compact(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        now = datetime.fromisoformat(at) if at else utcnow()
        compact(
            session,
            workspace_id=int(session.info["workspace_id"]),
            data_dir=settings.data_dir,
            older_than=now - timedelta(minutes=settings.usage_compact_after_minutes),
        )

    runtime.jobs.register(COMPACT)(run_compact)
    if runtime.scheduler is not None:
        runtime.scheduler.every(settings.usage_compact_every_seconds, COMPACT)
