"""Playbook background work: reacting to domain events, the hourly evaluation, webhook posts.

The hourly evaluation also queues again the webhook posts whose job was lost
(`requeue_stuck_webhooks`: still `queued` 15 minutes after their run).

Event handlers only submit a job (they run after the commit, outside any transaction); the
job observes the event in its own unit of work scoped to the event's workspace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.events import DomainEvent
from cxhub.core.jobs import JobRequest
from cxhub.core.outbound_http import OutboundPolicy
from cxhub.core.runtime import Runtime
from cxhub.service.sla.events import SlaBreached
from cxhub.service.tickets.events import TicketCreated
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.playbooks.actions import DELIVER_WEBHOOK, RunContext
from cxhub.success.playbooks.evaluation import evaluate_workspace
from cxhub.success.playbooks.events import NpsResponseRecorded
from cxhub.success.playbooks.runner import any_playbook_reacts_to, handle_event
from cxhub.success.playbooks.webhooks import deliver_webhook, requeue_stuck_webhooks

ON_EVENT = "playbooks.on_event"
EVALUATE = "playbooks.evaluate"
EVERY_SECONDS = 3600


def _workspace_of(session: Session) -> int:
    workspace_id = session.info.get("workspace_id")
    if not isinstance(workspace_id, int):
        raise RuntimeError("playbook jobs run scoped to one workspace")
    return workspace_id


def install(runtime: Runtime) -> None:
    settings = runtime.settings
    factory = runtime.session_factory

    def context(session: Session, now: datetime) -> RunContext:
        return RunContext(
            workspace_id=_workspace_of(session),
            now=now,
            public_url=settings.public_url,
            policy=OutboundPolicy.from_settings(settings),
        )

    def run_on_event(session: Session, payload: dict[str, Any]) -> None:
        event_name = str(payload["event"])
        with runtime.reading(session.info) as reader:
            workspace_id = _workspace_of(session)
            if not any_playbook_reacts_to(reader, workspace_id=workspace_id, event_name=event_name):
                return
        handle_event(
            session,
            event_name=event_name,
            data=dict(payload["data"]),
            context=context(session, utcnow()),
        )

    def run_evaluate(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        now = datetime.fromisoformat(at) if at else utcnow()
        evaluate_workspace(session, context=context(session, now), data_dir=settings.data_dir)
        requeue_stuck_webhooks(session, workspace_id=_workspace_of(session), now=now)

    # Posting must not hold a transaction open: the job's own session stays unused.
    def run_deliver(session: Session, payload: dict[str, Any]) -> None:
        deliver_webhook(
            factory,
            workspace_id=_workspace_of(session),
            run_id=int(payload["run_id"]),
            index=int(payload["index"]),
            policy=OutboundPolicy.from_settings(settings),
        )

    runtime.jobs.register(ON_EVENT)(run_on_event)
    runtime.jobs.register(EVALUATE)(run_evaluate)
    runtime.jobs.register(DELIVER_WEBHOOK)(run_deliver)

    def forward(event: DomainEvent) -> None:
        runtime.job_queue.submit(
            JobRequest(
                ON_EVENT,
                event.workspace_id,
                {"event": event.name, "data": event.model_dump(mode="json")},
            )
        )

    for event_type in (HealthBandChanged, SlaBreached, TicketCreated, NpsResponseRecorded):
        runtime.events.subscribe(event_type, forward)
    if runtime.scheduler is not None:
        runtime.scheduler.every(EVERY_SECONDS, EVALUATE)
