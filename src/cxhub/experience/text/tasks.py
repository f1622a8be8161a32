"""Text analytics background work: every customer message added to a ticket is analysed in its
own job, after the commit that added it (the request never waits for a model)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.text.service import CUSTOMER_AUTHOR, analyse_ticket_message
from cxhub.service.tickets.events import TicketMessageAdded

ANALYSE_MESSAGE = "text.analyse_message"


def install(runtime: Runtime) -> None:
    def run_analyse_message(session: Session, payload: dict[str, Any]) -> None:
        analyse_ticket_message(session, message_id=int(payload["message_id"]))

    runtime.jobs.register(ANALYSE_MESSAGE)(run_analyse_message)

    def on_message(event: TicketMessageAdded) -> None:
        if event.author_kind == CUSTOMER_AUTHOR:
            runtime.job_queue.submit(
                JobRequest(ANALYSE_MESSAGE, event.workspace_id, {"message_id": event.message_id})
            )

    runtime.events.subscribe(TicketMessageAdded, on_message)
