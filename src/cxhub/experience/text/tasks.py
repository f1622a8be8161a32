"""Text analytics background work: every customer message added to a ticket, and every CSAT
comment, is analysed in its own job after the commit that added it (the request never waits for
a model)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.text.service import (
    CUSTOMER_AUTHOR,
    analyse_csat_comment,
    prepare_message_analysis,
    store_message_analysis,
)
from cxhub.service.csat.events import CsatRated
from cxhub.service.tickets.events import TicketMessageAdded

ANALYSE_MESSAGE = "text.analyse_message"
ANALYSE_CSAT_COMMENT = "text.analyse_csat_comment"


def install(runtime: Runtime) -> None:
    def run_analyse_message(session: Session, payload: dict[str, Any]) -> None:
        # Read and analyse in a read-only session; only the store runs in the job's writing one.
        with runtime.reading(session.info) as reader:
            pending = prepare_message_analysis(reader, message_id=int(payload["message_id"]))
        if pending is not None:
            store_message_analysis(session, pending)

    runtime.jobs.register(ANALYSE_MESSAGE)(run_analyse_message)

    def on_message(event: TicketMessageAdded) -> None:
        if event.author_kind == CUSTOMER_AUTHOR:
            runtime.job_queue.submit(
                JobRequest(ANALYSE_MESSAGE, event.workspace_id, {"message_id": event.message_id})
            )

    runtime.events.subscribe(TicketMessageAdded, on_message)

    def run_analyse_comment(session: Session, payload: dict[str, Any]) -> None:
        analyse_csat_comment(session, ticket_id=int(payload["ticket_id"]))

    runtime.jobs.register(ANALYSE_CSAT_COMMENT)(run_analyse_comment)

    def on_rated(event: CsatRated) -> None:
        if event.has_comment:
            runtime.job_queue.submit(
                JobRequest(ANALYSE_CSAT_COMMENT, event.workspace_id, {"ticket_id": event.ticket_id})
            )

    runtime.events.subscribe(CsatRated, on_rated)
