"""SLA background work: the periodic breach check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.service.sla.service import check_breaches

CHECK_BREACHES = "sla.check_breaches"


def run_check_breaches(session: Session, payload: dict[str, Any]) -> None:
    at = payload.get("at")
    check_breaches(session, now=datetime.fromisoformat(at) if at else utcnow())


def install(runtime: Runtime) -> None:
    runtime.jobs.register(CHECK_BREACHES)(run_check_breaches)
    if runtime.scheduler is not None:
        runtime.scheduler.every(60, CHECK_BREACHES)
