"""Portal housekeeping: expired sign-in links and sessions are deleted hourly.

They are refused as soon as they expire (every lookup compares `expires_at`); deleting them only
keeps the tables small.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.service.portal.signin import forget_expired

FORGET_EXPIRED = "portal.forget_expired"
SWEEP_SECONDS = 3600


def install(runtime: Runtime) -> None:
    def run_forget_expired(session: Session, payload: dict[str, Any]) -> None:
        forget_expired(session)

    runtime.jobs.register(FORGET_EXPIRED)(run_forget_expired)
    if runtime.scheduler is not None:
        runtime.scheduler.every(SWEEP_SECONDS, FORGET_EXPIRED)
