"""Expansion background work: the workspace's opportunities recomputed and stored every six
hours and soon after a subscription starts, changes or ends (ADR 0044), so the expansion list,
accounts and next-best-action panels read them instead of computing."""

from __future__ import annotations

import logging
import threading
import time
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
#: Payload flag of a refresh asked for by a subscription event: skipped when the stored
#: snapshot already reflects the subscriptions (an earlier refresh of the same burst did it).
ONLY_IF_OUTDATED = "only_if_outdated"
#: Subscription events within this long of a submitted, not yet started refresh join it.
COALESCE_SECONDS = 30.0

log = logging.getLogger(__name__)


def install(runtime: Runtime) -> None:
    settings = runtime.settings
    # workspace -> when this process submitted a refresh that has not started here (a worker
    # process runs it with the Redis queue: then the entry just ages out)
    queued: dict[int, float] = {}
    lock = threading.Lock()

    def run_refresh(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = int(session.info["workspace_id"])
        with lock:
            queued.pop(workspace_id, None)
        now = utcnow()
        with runtime.reading(session.info) as reader:  # the write lock only for storing
            if payload.get(ONLY_IF_OUTDATED):
                inputs = snapshot.inputs_fingerprint(reader, workspace_id=workspace_id)
                if snapshot.usable(reader, workspace_id=workspace_id, now=now, inputs=inputs):
                    return
            try:
                service.refresh(
                    session,
                    reader=reader,
                    workspace_id=workspace_id,
                    now=now,
                    data_dir=settings.data_dir,
                )
            except ValidationFailed as problem:  # several currencies and no catalogue yet
                log.info("expansion of workspace %s not computed: %s", workspace_id, problem)

    def on_subscription(event: DomainEvent) -> None:
        """One refresh per burst of changes (an import of many subscriptions)."""
        with lock:
            submitted = queued.get(event.workspace_id)
            if submitted is not None and time.monotonic() - submitted < COALESCE_SECONDS:
                return
            queued[event.workspace_id] = time.monotonic()
        runtime.job_queue.submit(JobRequest(REFRESH, event.workspace_id, {ONLY_IF_OUTDATED: True}))

    runtime.jobs.register(REFRESH)(run_refresh)
    for event_type in (SubscriptionStarted, SubscriptionChanged, SubscriptionCanceled):
        runtime.events.subscribe(event_type, on_subscription)
    if runtime.scheduler is not None:
        runtime.scheduler.every(REFRESH_SECONDS, REFRESH)
