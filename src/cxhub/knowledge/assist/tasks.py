"""Assist background work: record the articles an agent's reply links, and embed a solved
ticket's question for "similar solved tickets" (both after the triggering commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.knowledge.assist.service import (
    articles_linked_by,
    record_linked_uses,
    ticket_question,
)
from cxhub.knowledge.assist.similar import SOLVED
from cxhub.knowledge.assist.ticket_vectors import store_vector
from cxhub.knowledge.search import semantic
from cxhub.service.tickets.events import TicketMessageAdded, TicketSolved
from cxhub.service.tickets.service import get_ticket

RECORD_USES = "knowledge.record_article_uses"
EMBED_SOLVED_TICKET = "knowledge.embed_solved_ticket"


def run_embed_solved_ticket(session: Session, payload: dict[str, Any]) -> None:
    """Idempotent; skipped without `cxhub[semantic]` or when the ticket was reopened meanwhile
    (it is embedded again when solved again)."""
    model = semantic.embedder()
    if model is None:
        return
    ticket = get_ticket(session, ticket_id=int(payload["ticket_id"]))
    if ticket.status.value not in SOLVED:
        return
    question, _language = ticket_question(session, ticket_id=ticket.id)
    store_vector(
        session,
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        question=question,
        model=model,
    )


def install(runtime: Runtime) -> None:
    def run_record_uses(session: Session, payload: dict[str, Any]) -> None:
        # Read in a read-only session: most messages link no article, and their job then
        # never takes SQLite's write lock (ADR 0035).
        with runtime.reading(session.info) as reader:
            linked = articles_linked_by(reader, message_id=int(payload["message_id"]))
        if linked is not None:
            record_linked_uses(session, workspace_id=int(payload["workspace_id"]), linked=linked)

    runtime.jobs.register(RECORD_USES)(run_record_uses)
    runtime.jobs.register(EMBED_SOLVED_TICKET)(run_embed_solved_ticket)

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

    def on_solved(event: TicketSolved) -> None:
        runtime.job_queue.submit(
            JobRequest(EMBED_SOLVED_TICKET, event.workspace_id, {"ticket_id": event.ticket_id})
        )

    runtime.events.subscribe(TicketMessageAdded, on_message)
    runtime.events.subscribe(TicketSolved, on_solved)
