"""Similar-solved-tickets quality on BANKING77 (PolyAI, CC-BY-4.0): do the top 5 "similar solved
tickets" of a new ticket ask the same thing (share its intent)?

    .venv/bin/python -m benchmarks.similar_tickets_quality [--solved 3000] [--queries 500]

Texts of the *train* split become solved tickets (`--solved N`: a spread subsample, every intent
keeps its share; subject = the first six words, first message = the text); texts of the *test*
split become open tickets, and `similar_solved_tickets` — the function behind the API and the
assist panel — answers their top 5 on a fresh SQLite database built by the migrations. Tickets
are marked solved directly (no events) and, with `cxhub[semantic]`, their vectors are stored
as the solve job would store them.

- **precision@5** = mean over queries of (same-intent tickets among the first 5) / 5 (a list
  shorter than 5 counts the missing places as misses);
- **hit@5** = share of queries with at least one same-intent ticket among the first 5;
- **MRR@5** = mean of 1 / rank of the first same-intent ticket (0 when none in the top 5).

`tests/knowledge/test_similar_quality.py` runs a subsample in CI with floors below the figures
in docs/knowledge.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from benchmarks.knowledge_quality import DATA, read_split, subsample
from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.knowledge.assist.similar import similar_solved_tickets
from cxhub.knowledge.assist.ticket_vectors import store_vector
from cxhub.knowledge.search import semantic
from cxhub.people import service as people
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.models import TicketStatus
from cxhub.service.tickets.schemas import TicketCreate
from cxhub.service.tickets.service import create_ticket


def open_ticket(session: Session, *, workspace_id: int, contact_id: int, text: str) -> int:
    subject = " ".join(text.split()[:6]) or "?"
    ticket, _ = create_ticket(
        session,
        workspace_id=workspace_id,
        data=TicketCreate(subject=subject, description=text, requester_id=contact_id),
        actor=Actor.customer(contact_id),
    )
    return ticket.id


def build_solved(
    session: Session, *, workspace_id: int, rows: Sequence[tuple[str, str]]
) -> tuple[int, dict[int, str]]:
    """Solved tickets for `rows`; answers (requester contact id, ticket id → intent)."""
    contact = create_contact(
        session, workspace_id=workspace_id, data=ContactCreate(first_name="Bank", emails=[])
    )
    intents: dict[int, str] = {}
    model = semantic.embedder()
    for text, intent in rows:
        ticket_id = open_ticket(
            session, workspace_id=workspace_id, contact_id=contact.id, text=text
        )
        intents[ticket_id] = intent
    session.flush()
    from cxhub.service.tickets.service import get_ticket

    for ticket_id in intents:
        get_ticket(session, ticket_id=ticket_id).status = TicketStatus.SOLVED
    session.flush()
    if model is not None:
        from cxhub.knowledge.assist.service import ticket_question

        for ticket_id in intents:
            question, _ = ticket_question(session, ticket_id=ticket_id)
            store_vector(
                session,
                workspace_id=workspace_id,
                ticket_id=ticket_id,
                question=question,
                model=model,
            )
    return contact.id, intents


@dataclass(frozen=True)
class Quality:
    mode: str
    queries: int
    precision_at_5: float
    hit_at_5: float
    mrr_at_5: float
    ms_per_query: float


def evaluate(
    session: Session,
    *,
    workspace_id: int,
    contact_id: int,
    intents: dict[int, str],
    questions: Sequence[tuple[str, str]],
) -> Quality:
    precision = hits = reciprocal = 0.0
    elapsed = 0.0
    for text, intent in questions:
        ticket_id = open_ticket(
            session, workspace_id=workspace_id, contact_id=contact_id, text=text
        )
        started = time.perf_counter()
        found = similar_solved_tickets(
            session, workspace_id=workspace_id, ticket_id=ticket_id, limit=5
        )
        elapsed += time.perf_counter() - started
        same = [intents.get(hit.ticket_id) == intent for hit in found]
        precision += sum(same) / 5
        hits += any(same)
        reciprocal += next((1 / (i + 1) for i, ok in enumerate(same) if ok), 0.0)
    count = len(questions)
    mode = "hybrid" if semantic.embedder() is not None else "keyword"
    return Quality(
        mode, count, precision / count, hits / count, reciprocal / count, 1000 * elapsed / count
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--solved", type=int, default=3000, help="0 = all 10,003")
    parser.add_argument("--queries", type=int, default=500, help="0 = all 3,080")
    parser.add_argument("--keyword-only", action="store_true")
    args = parser.parse_args()
    if args.keyword_only:
        semantic.use_embedder(None)
    solved = subsample(read_split(DATA / "banking77-train.csv"), args.solved)
    test = subsample(read_split(DATA / "banking77-test.csv"), args.queries)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.sqlite3"
        upgrade_database(url)
        factory = make_session_factory(make_engine(url))
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bank", name="Bank")
            session.info["workspace_id"] = workspace.id
            started = time.perf_counter()
            contact_id, intents = build_solved(session, workspace_id=workspace.id, rows=solved)
            print(f"{len(intents)} solved tickets in {time.perf_counter() - started:.0f} s")
            q = evaluate(
                session,
                workspace_id=workspace.id,
                contact_id=contact_id,
                intents=intents,
                questions=test,
            )
            print("| mode | solved | queries | precision@5 | hit@5 | MRR@5 | ms/query |")
            print("|---|--:|--:|--:|--:|--:|--:|")
            print(
                f"| {q.mode} | {len(intents)} | {q.queries} | {q.precision_at_5:.3f} "
                f"| {q.hit_at_5:.3f} | {q.mrr_at_5:.3f} | {q.ms_per_query:.1f} |"
            )


if __name__ == "__main__":
    main()
