"""Expansion background work: the workspace's opportunities recomputed and stored every six
hours (ADR 0044), so the expansion list, accounts and next-best-action panels read them."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.runtime import Runtime
from cxhub.success.expansion import service

REFRESH = "expansion.refresh"
REFRESH_SECONDS = 6 * 3600

log = logging.getLogger(__name__)


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    def run_refresh(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = int(session.info["workspace_id"])
        with runtime.reading(session.info) as reader:  # the write lock only for storing
            try:
                service.refresh(
                    session,
                    reader=reader,
                    workspace_id=workspace_id,
                    now=utcnow(),
                    data_dir=settings.data_dir,
                )
            except ValidationFailed as problem:  # several currencies and no catalogue yet
                log.info("expansion of workspace %s not computed: %s", workspace_id, problem)

    runtime.jobs.register(REFRESH)(run_refresh)
    if runtime.scheduler is not None:
        runtime.scheduler.every(REFRESH_SECONDS, REFRESH)
