"""Expansion background work: the workspace's opportunities recomputed and stored every six
hours and after a subscription starts, changes or ends (ADR 0044), so the expansion list,
accounts and next-best-action panels read them instead of computing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.events import DomainEvent
from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.success.expansion import service, snapshot
from cxhub.success.subscriptions.events import (
    SubscriptionCanceled,
    SubscriptionChanged,
    SubscriptionStarted,
)

REFRESH = "expansion.refresh"
REFRESH_SECONDS = 6 * 3600
#: Payload key of a refresh asked for by a subscription event: when the change was committed.
#: The refresh is skipped when the stored snapshot was computed after that (an earlier
#: refresh of the same burst already saw it), so a burst costs a computation or two.
CHANGED_AT = "changed_at"

log = logging.getLogger(__name__)


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    def run_refresh(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = int(session.info["workspace_id"])
        with runtime.reading(session.info) as reader:  # the write lock only for storing
            changed_at = payload.get(CHANGED_AT)
            if changed_at is not None:
                current = snapshot.stored(reader, workspace_id=workspace_id)
                if current is not None and current.as_of >= datetime.fromisoformat(changed_at):
                    return
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

    def on_subscription(event: DomainEvent) -> None:
        runtime.job_queue.submit(
            JobRequest(REFRESH, event.workspace_id, {CHANGED_AT: utcnow().isoformat()})
        )

    runtime.jobs.register(REFRESH)(run_refresh)
    for event_type in (SubscriptionStarted, SubscriptionChanged, SubscriptionCanceled):
        runtime.events.subscribe(event_type, on_subscription)
    if runtime.scheduler is not None:
        runtime.scheduler.every(REFRESH_SECONDS, REFRESH)
