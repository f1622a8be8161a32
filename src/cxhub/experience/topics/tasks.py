"""Topic background work: discovery on request (it reads a whole window: never inside the
request), and the classification of each new customer message or CSAT comment into the
workspace's topics after the commit that added it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.text.models import SOURCE_CSAT_COMMENT, SOURCE_TICKET_MESSAGE
from cxhub.experience.text.service import CUSTOMER_AUTHOR
from cxhub.experience.topics.discovery import DiscoveryParams
from cxhub.experience.topics.runs import run_discovery
from cxhub.experience.topics.service import classify_source, store_classification
from cxhub.service.csat.events import CsatRated
from cxhub.service.csat.service import ticket_csat
from cxhub.service.tickets.events import TicketMessageAdded

DISCOVER = "topics.discover"
CLASSIFY = "topics.classify_text"


def run_discover(session: Session, payload: dict[str, Any]) -> None:
    until = utcnow()
    k = payload.get("k")
    run_discovery(
        session,
        workspace_id=int(payload["workspace_id"]),
        since=until - timedelta(days=int(payload.get("days", 90))),
        until=until,
        params=DiscoveryParams(seed=int(payload.get("seed", 7)), k=int(k) if k else None),
        actor_user_id=payload.get("actor_user_id"),
    )


def install(runtime: Runtime) -> None:
    def run_classify(session: Session, payload: dict[str, Any]) -> None:
        # Read and classify in a read-only session; only a change takes the write lock.
        workspace_id, source_type = int(payload["workspace_id"]), str(payload["source_type"])
        with runtime.reading(session.info) as reader:
            if source_type == SOURCE_CSAT_COMMENT:  # the event names the ticket; one survey each
                survey = ticket_csat(reader, ticket_id=int(payload["ticket_id"]))
                if survey is None:
                    return
                source_id = survey.id
            else:
                source_id = int(payload["source_id"])
            found = classify_source(
                reader, workspace_id=workspace_id, source_type=source_type, source_id=source_id
            )
        if found is not None and found.changes_anything:
            store_classification(session, found)

    runtime.jobs.register(DISCOVER)(run_discover)
    runtime.jobs.register(CLASSIFY)(run_classify)

    def classify(workspace_id: int, payload: dict[str, Any]) -> None:
        runtime.job_queue.submit(
            JobRequest(CLASSIFY, workspace_id, {"workspace_id": workspace_id, **payload})
        )

    def on_message(event: TicketMessageAdded) -> None:
        if event.author_kind == CUSTOMER_AUTHOR:
            classify(
                event.workspace_id,
                {"source_type": SOURCE_TICKET_MESSAGE, "source_id": event.message_id},
            )

    def on_rated(event: CsatRated) -> None:
        if event.has_comment:
            classify(
                event.workspace_id,
                {"source_type": SOURCE_CSAT_COMMENT, "ticket_id": event.ticket_id},
            )

    runtime.events.subscribe(TicketMessageAdded, on_message)
    runtime.events.subscribe(CsatRated, on_rated)
