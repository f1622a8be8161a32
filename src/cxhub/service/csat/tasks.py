"""CSAT background work: survey the requester after a solve (released after the commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.service.csat.service import request_csat
from cxhub.service.tickets.events import TicketSolved

REQUEST_CSAT = "csat.request"


def run_request_csat(session: Session, payload: dict[str, Any]) -> None:
    request_csat(session, ticket_id=int(payload["ticket_id"]))


def install(runtime: Runtime) -> None:
    runtime.jobs.register(REQUEST_CSAT)(run_request_csat)

    def on_solved(event: TicketSolved) -> None:
        runtime.job_queue.submit(
            JobRequest(REQUEST_CSAT, event.workspace_id, {"ticket_id": event.ticket_id})
        )

    runtime.events.subscribe(TicketSolved, on_solved)
