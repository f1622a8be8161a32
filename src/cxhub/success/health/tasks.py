"""Health background work: the daily rescore of every account (docs/health.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.analytics.engine import EngineConfig
from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.success.health.rescore import rescore_workspace

RESCORE = "health.rescore"
DAY_SECONDS = 86400


def install(runtime: Runtime) -> None:
    settings = runtime.settings
    engine_config = EngineConfig.from_settings(settings)  # the daily batch may run on Spark

    def run_rescore(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        # Inputs from a read-only session: the job's session writes only the scores (ADR 0035),
        # committed a chunk of accounts at a time (ADR 0040).
        with runtime.reading(session.info) as reader:
            rescore_workspace(
                session,
                workspace_id=int(session.info["workspace_id"]),
                as_of=datetime.fromisoformat(at) if at else utcnow(),
                data_dir=settings.data_dir,
                engine_config=engine_config,
                reader=reader,
                between_chunks=session.commit,
            )

    runtime.jobs.register(RESCORE)(run_rescore)
    if runtime.scheduler is not None:
        runtime.scheduler.every(DAY_SECONDS, RESCORE)
