"""Failed background jobs of the caller's workspace, for its admins (Redis job backend, ADR 0022).

With the in-process and sync backends failures are only logged, so the list is empty there;
installation-wide jobs (system scope) are listed by `cxhub worker failed` only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from cxhub.api.deps import Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["jobs"])


class FailedJobOut(BaseModel):
    name: str
    attempts: int
    failed_at: datetime
    error: str
    payload: dict[str, Any]


@router.get("/jobs/failed", response_model=list[FailedJobOut])
def list_failed_jobs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    principal: Principal = require(Permission.AUDIT_READ),
) -> list[FailedJobOut]:
    """Jobs of this workspace that failed their last attempt, newest first; re-queued by an
    operator with `cxhub worker retry-failed`."""
    failed_jobs = getattr(request.app.state.runtime.job_queue, "failed_jobs", None)
    if failed_jobs is None:
        return []
    return [
        FailedJobOut(
            name=job.name,
            attempts=job.attempts,
            failed_at=job.failed_at,
            error=job.error,
            payload=job.payload,
        )
        for job in failed_jobs(limit, workspace_id=principal.workspace_id)
    ]
