"""Automation background work: the hourly clock tick over each workspace's tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.service.automations.timed import run_workspace_automations

RUN_AUTOMATIONS = "automations.run"
EVERY_SECONDS = 3600


def run_automations_job(session: Session, payload: dict[str, Any]) -> None:
    at = payload.get("at")
    run_workspace_automations(session, now=datetime.fromisoformat(at) if at else utcnow())


def install(runtime: Runtime) -> None:
    runtime.jobs.register(RUN_AUTOMATIONS)(run_automations_job)
    if runtime.scheduler is not None:
        runtime.scheduler.every(EVERY_SECONDS, RUN_AUTOMATIONS)
