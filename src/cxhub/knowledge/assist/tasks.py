"""Assist background work: record the articles an agent's reply links (after its commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.knowledge.assist.service import record_uses_in_message
from cxhub.service.tickets.events import TicketMessageAdded

RECORD_USES = "knowledge.record_article_uses"


def run_record_uses(session: Session, payload: dict[str, Any]) -> None:
    record_uses_in_message(
        session, workspace_id=int(payload["workspace_id"]), message_id=int(payload["message_id"])
    )


def install(runtime: Runtime) -> None:
    runtime.jobs.register(RECORD_USES)(run_record_uses)

    def on_message(event: TicketMessageAdded) -> None:
        if event.author_kind != "agent":
            return
        runtime.job_queue.submit(
            JobRequest(
                RECORD_USES,
                event.workspace_id,
                {"workspace_id": event.workspace_id, "message_id": event.message_id},
            )
        )

    runtime.events.subscribe(TicketMessageAdded, on_message)
