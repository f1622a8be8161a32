"""CSAT background work: survey the requester after a solve (released after the commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.service.csat.mail import queue_csat_email
from cxhub.service.csat.service import request_csat
from cxhub.service.tickets.events import TicketSolved
from cxhub.service.tickets.service import get_ticket

REQUEST_CSAT = "csat.request"


def install(runtime: Runtime) -> None:
    def run_request_csat(session: Session, payload: dict[str, Any]) -> None:
        issued = request_csat(session, ticket_id=int(payload["ticket_id"]))
        if issued is not None:
            ticket = get_ticket(session, ticket_id=issued.survey.ticket_id)
            queue_csat_email(
                session,
                ticket=ticket,
                token=issued.token,
                public_url=runtime.settings.public_url,
            )

    runtime.jobs.register(REQUEST_CSAT)(run_request_csat)

    def on_solved(event: TicketSolved) -> None:
        runtime.job_queue.submit(
            JobRequest(REQUEST_CSAT, event.workspace_id, {"ticket_id": event.ticket_id})
        )

    runtime.events.subscribe(TicketSolved, on_solved)
