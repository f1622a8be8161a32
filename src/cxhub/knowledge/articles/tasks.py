"""Knowledge background work: the hourly verification check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.knowledge.articles.verification import flag_due_articles

CHECK_VERIFICATION = "knowledge.check_verification"


def run_check_verification(session: Session, payload: dict[str, Any]) -> None:
    at = payload.get("at")
    flag_due_articles(session, now=datetime.fromisoformat(at) if at else utcnow())


def install(runtime: Runtime) -> None:
    runtime.jobs.register(CHECK_VERIFICATION)(run_check_verification)
    if runtime.scheduler is not None:
        runtime.scheduler.every(3600, CHECK_VERIFICATION)
