"""Topic discovery stored: `run_discovery` over N tickets in a fresh SQLite database (reading the
customer messages, clustering, writing one assignment row per text, committing).

    .venv/bin/python -m benchmarks.bench_topics_db --data ../shared/data --tickets 20000

Tickets and their first customer message are bulk-inserted (the helpdesk's own paths are
benchmarked elsewhere); texts are `bench_topics.tickets`. Prints one JSON object with the
seconds of reading the texts alone and of the whole discovery, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from benchmarks.bench_topics import tickets
from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work, utcnow
from cxhub.core.migrate import upgrade_database
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.experience.topics.corpus import customer_texts
from cxhub.experience.topics.runs import run_discovery
from cxhub.people import service as people
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage

CONTACTS = 500
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts, _ = tickets(args.data, args.tickets, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/topics.sqlite3"
        upgrade_database(url)
        factory = make_session_factory(make_engine(url))
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            workspace_id = people.create_workspace(session, slug="bench", name="Bench").id
        now = utcnow()
        with unit_of_work(factory, workspace_id) as session:
            contacts = [
                create_contact(session, workspace_id=workspace_id,
                               data=ContactCreate(emails=[f"c{i}@example.com"])).id
                for i in range(CONTACTS)
            ]  # fmt: skip
        load_start = time.perf_counter()
        for start in range(0, len(texts), BATCH):
            with unit_of_work(factory, workspace_id) as session:
                chunk = range(start, min(start + BATCH, len(texts)))
                moments = {i: now - timedelta(minutes=rng.randint(1, 60 * 24 * 60)) for i in chunk}
                rows = [
                    {"workspace_id": workspace_id, "number": i + 1, "subject": "Help",
                     "channel": "email", "requester_id": rng.choice(contacts),
                     "created_at": moments[i]}
                    for i in chunk
                ]  # fmt: skip
                ids = session.scalars(insert(Ticket).returning(Ticket.id), rows).all()
                session.execute(
                    insert(TicketMessage),
                    [{"workspace_id": workspace_id, "ticket_id": ticket_id,
                      "author_kind": AuthorKind.CUSTOMER, "channel": "email",
                      "body_text": texts[i], "created_at": moments[i]}
                     for ticket_id, i in zip(ids, chunk, strict=True)],
                )  # fmt: skip
        load_seconds = time.perf_counter() - load_start
        report: dict[str, object] = {
            "tickets": len(texts),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
            "bulk_load_seconds": round(load_seconds, 2),
        }
        since = now - timedelta(days=90)
        with unit_of_work(factory, workspace_id) as session:
            started = time.perf_counter()
            read = customer_texts(session, workspace_id=workspace_id, since=since,
                                  until=now + timedelta(seconds=1), limit=200_000)  # fmt: skip
            report["read_texts_seconds"] = round(time.perf_counter() - started, 2)
            report["texts"] = len(read)
        wall, cpu = time.perf_counter(), time.process_time()
        with unit_of_work(factory, workspace_id) as session:
            run = run_discovery(session, workspace_id=workspace_id, since=since,
                                until=now + timedelta(seconds=1))  # fmt: skip
        report["run_discovery"] = {
            "wall_seconds": round(time.perf_counter() - wall, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "topics": run.topics,
            "assigned": run.assigned,
        }
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
