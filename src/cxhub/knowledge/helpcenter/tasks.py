"""Help-center jobs: searches and article opens recorded off the GET path (`search_log`), and
the reaction to the customer portal: a ticket submitted after article suggestions marks that
suggestion search as not deflected, in a job after the portal's commit, so the portal never
imports the knowledge domain (ADR 0003)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.knowledge.helpcenter import search_log
from cxhub.knowledge.helpcenter.service import record_ticket_submitted
from cxhub.service.portal.events import PortalTicketSubmitted

RECORD_TICKET_SUBMITTED = "knowledge.record_ticket_submitted"


def install(runtime: Runtime) -> None:
    secret = runtime.settings.secret_key

    def run_record(session: Session, payload: dict[str, Any]) -> None:
        workspace_id, search_id = int(payload["workspace_id"]), str(payload["search_id"])
        if search_log.valid_search_id(secret, workspace_id=workspace_id, search_id=search_id):
            # ours: its search row may not be written yet (jobs run in any order)
            search_log.store_ticket_submitted(
                session, workspace_id=workspace_id, search_id=search_id, submitted_at=utcnow()
            )
        else:
            record_ticket_submitted(session, workspace_id=workspace_id, search_id=search_id)

    runtime.jobs.register(RECORD_TICKET_SUBMITTED)(run_record)
    runtime.jobs.register(search_log.RECORD_SEARCH)(search_log.run_record_search)
    runtime.jobs.register(search_log.RECORD_ARTICLE_OPENED)(search_log.run_record_opened)

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
