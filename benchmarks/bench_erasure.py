"""Erasure cost: how long erasing one heavy contact takes, database part and file part.

Builds a fresh SQLite workspace with `--others` other contacts (one ticket and two messages
each, so the tables are not empty), one person with `--tickets` tickets of `--messages`
messages (customer and agent alternating) and as many timeline entries, and a Parquet event
store of `--days` days × `--events-per-day` events of 1,000 product users, among them the
person's (one event in 500). Times `erase_contact` + commit (the database part, one
transaction) and `finish_erasure` (attachment files and the Parquet rewrite), and checks that
the person's user id is gone from every file.

    .venv/bin/python -m benchmarks.bench_erasure [--tickets 100] [--messages 4] [--others 300]
        [--days 30] [--events-per-day 20000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.permissions import Role
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.people import service as people
from cxhub.people.schemas import UserCreate
from cxhub.privacy.erasure import erase_contact, finish_erasure, get_erasure
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import add_message
from cxhub.service.tickets.schemas import MessageCreate, TicketCreate
from cxhub.service.tickets.service import create_ticket
from cxhub.success.usage.storage import day_dir, file_name

PERSON_USER = "usr_person"


def _parquet(data_dir: Path, workspace_id: int, days: int, per_day: int) -> int:
    """One file per day; every 500th event is the person's. Answers the person's event count."""
    first = 1
    person = 0
    start = date(2026, 10, 1)
    with duckdb.connect() as connection:
        for offset in range(days):
            day = start + timedelta(days=offset)
            last = first + per_day - 1
            target = day_dir(data_dir, workspace_id, day) / file_name(first, last)
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(
                f"COPY (SELECT i::BIGINT AS id, 'm' || i AS message_id, 'track' AS type, "
                f"'Report Exported' AS event, "
                f"CASE WHEN i % 500 = 0 THEN '{PERSON_USER}' ELSE 'usr_' || (i % 1000) END "
                f"AS user_id, NULL::VARCHAR AS anonymous_id, 'acct_1' AS group_id, "
                f"TIMESTAMP '{day.isoformat()} 12:00:00' AS timestamp, "
                f"TIMESTAMP '{day.isoformat()} 12:00:01' AS received_at, "
                f'\'{{"plan": "pro"}}\' AS properties, \'{{"ip": "203.0.113.9"}}\' AS context '
                f"FROM range({first}, {last + 1}) t(i)) TO '{target}' "
                f"(FORMAT PARQUET, COMPRESSION ZSTD)"
            )
            person += sum(1 for i in range(first, last + 1) if i % 500 == 0)
            first = last + 1
    return person


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--messages", type=int, default=4)
    parser.add_argument("--others", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--events-per-day", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        settings = Settings(
            environment="test",
            data_dir=data_dir,
            secret_key="benchmark-secret-key-long-enough-0123456789",  # noqa: S106
            jobs_backend="sync",
            scheduler=False,
        )
        upgrade_database(settings.effective_database_url)
        runtime = build_runtime(settings)
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bench", name="Bench")
            session.info["workspace_id"] = workspace.id
            agent = people.create_user(
                session,
                workspace_id=workspace.id,
                data=UserCreate(email="agent@example.com", name="Agent", role=Role.AGENT),
            )
            workspace_id, agent_id = workspace.id, agent.id

        built = time.perf_counter()
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            for n in range(args.others):
                other = create_contact(
                    session,
                    workspace_id=workspace_id,
                    data=ContactCreate(
                        first_name="Other", last_name=f"N{n}", emails=[f"o{n}@x.test"]
                    ),
                )
                ticket, _ = create_ticket(
                    session,
                    workspace_id=workspace_id,
                    data=TicketCreate(
                        subject=f"Question {n}", description="Hello", requester_id=other.id
                    ),
                    actor=Actor.customer(other.id),
                )
                add_message(
                    session,
                    ticket_id=ticket.id,
                    data=MessageCreate(body="Answer"),
                    actor=Actor.agent(agent_id),
                )
            person = create_contact(
                session,
                workspace_id=workspace_id,
                data=ContactCreate(
                    first_name="Ada",
                    last_name="Lovelace",
                    emails=["ada@analytical.test"],
                    phones=["+44 20 7946 0958"],
                    external_ids=[PERSON_USER],
                ),
            )
            person_id = person.id
            for n in range(args.tickets):
                ticket, _ = create_ticket(
                    session,
                    workspace_id=workspace_id,
                    data=TicketCreate(
                        subject=f"Ada Lovelace question {n}",
                        description="Dear team, Ada Lovelace here, call +44 20 7946 0958.",
                        requester_id=person_id,
                    ),
                    actor=Actor.customer(person_id),
                )
                for m in range(args.messages - 1):
                    customer = m % 2 == 1
                    add_message(
                        session,
                        ticket_id=ticket.id,
                        data=MessageCreate(
                            body=f"Reply {m} about Ada's engine", as_customer=customer
                        ),
                        actor=Actor.agent(agent_id),
                    )
        person_events = _parquet(data_dir, workspace_id, args.days, args.events_per_day)
        build_seconds = time.perf_counter() - built

        started = time.perf_counter()
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            record = erase_contact(
                session, contact_id=person_id, actor_user_id=None, data_dir=data_dir
            )
            erasure_id = record.id
            # the sync job backend would run the file part right after this commit; time it apart
            session.info.pop("cxhub_pending_jobs", None)
        database_seconds = time.perf_counter() - started
        started = time.perf_counter()
        finish_erasure(
            runtime.session_factory,
            workspace_id=workspace_id,
            erasure_id=erasure_id,
            data_dir=data_dir,
        )
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            counts = dict(get_erasure(session, erasure_id=erasure_id).counts)
        file_seconds = time.perf_counter() - started
        files = [str(p) for p in (data_dir / "events").rglob("*.parquet")]
        with duckdb.connect() as connection:
            row = connection.execute(
                "SELECT count(*) FILTER (WHERE user_id = ?), count(*) FROM read_parquet(?)",
                [PERSON_USER, files],
            ).fetchone()
        assert row is not None
        assert row[0] == 0, "the person's user id is still in the files"
        runtime.close()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, DuckDB {duckdb.__version__}"
    )
    print(
        f"data: {args.others} other contacts/tickets, person with {args.tickets} tickets × "
        f"{args.messages} messages; {args.days} Parquet days × {args.events_per_day} events "
        f"({row[1]} events, {person_events} the person's); built in {build_seconds:.1f} s"
    )
    print(
        f"database part (erase_contact + commit): {database_seconds:.2f} s — tickets "
        f"{counts['tickets']}, messages {counts['messages']}, interactions {counts['interactions']}"
    )
    print(
        f"file part (finish_erasure): {file_seconds:.2f} s — {counts['usage_files_rewritten']} "
        f"files rewritten, {counts['usage_events_in_files']} events anonymised"
    )


if __name__ == "__main__":
    main()
