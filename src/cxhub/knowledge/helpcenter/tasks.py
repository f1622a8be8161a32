"""The help center's reaction to the customer portal: a ticket submitted after article
suggestions marks that suggestion search as not deflected (`record_ticket_submitted`), in a job
after the portal's commit, so the portal never imports the knowledge domain (ADR 0003)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.knowledge.helpcenter.service import record_ticket_submitted
from cxhub.service.portal.events import PortalTicketSubmitted

RECORD_TICKET_SUBMITTED = "knowledge.record_ticket_submitted"


def install(runtime: Runtime) -> None:
    def run_record(session: Session, payload: dict[str, Any]) -> None:
        record_ticket_submitted(
            session, workspace_id=int(payload["workspace_id"]), search_id=str(payload["search_id"])
        )

    runtime.jobs.register(RECORD_TICKET_SUBMITTED)(run_record)

    def on_submitted(event: PortalTicketSubmitted) -> None:
        if event.search_id:
            runtime.job_queue.submit(
                JobRequest(
                    RECORD_TICKET_SUBMITTED,
                    event.workspace_id,
                    {"workspace_id": event.workspace_id, "search_id": event.search_id},
                )
            )

    runtime.events.subscribe(PortalTicketSubmitted, on_submitted)
