"""Deleting referenced rows at volume: the foreign-key indexes of migration 0034 against the
same database at revision 0033, measured in one run (ADR 0043).

Builds a SQLite helpdesk (`helpdesk_data`: `--tickets` tickets with their threads, tags, SLA
targets and CSAT; a contact per five tickets), copies it and takes the copy down to 0033. On
each database, in alternation, times:

- erasing a contact who requested tickets (`erase_contact`, the database part, one
  transaction): it moves the person's references to a placeholder by `contact_id`, then deletes
  the contact;
- deleting a contact nothing references (raw SQL): only the foreign-key checks of the tables
  that could reference it;
- deleting a ticket (raw SQL): the cascade to its messages, tags, SLA targets and CSAT, and
  the checks of every table that references tickets or messages.

    .venv/bin/python -m benchmarks.bench_deletes [--tickets 100000] [--deletes 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import results
from benchmarks.helpdesk_data import LoadPlan, default_now, load
from cxhub.core.db import unit_of_work
from cxhub.core.migrate import downgrade_database
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.privacy.erasure import erase_contact

BEFORE = "0033_ticket_attachments_sha256"


def _settings(data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        secret_key="benchmark-secret-key-long-enough-0123456789",  # noqa: S106
        jobs_backend="sync",
        scheduler=False,
    )


def _ms(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return (
        ordered[len(ordered) // 2] * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        ordered[-1] * 1000,
    )


def _pick(path: Path, deletes: int) -> dict[str, list[int]]:
    """The same rows on both copies: requesters, unreferenced contacts, tickets."""
    with sqlite3.connect(path) as db:
        requesters = [
            row[0]
            for row in db.execute(
                "SELECT requester_id FROM tickets GROUP BY requester_id "
                "ORDER BY count(*) DESC, requester_id LIMIT ?",
                (deletes,),
            )
        ]
        loners = [
            row[0]
            for row in db.execute(
                "SELECT id FROM contacts WHERE id NOT IN (SELECT requester_id FROM tickets) "
                "AND id NOT IN (SELECT author_contact_id FROM ticket_messages "
                "WHERE author_contact_id IS NOT NULL) ORDER BY id LIMIT ?",
                (deletes,),
            )
        ]
        tickets = [
            row[0]
            for row in db.execute(
                "SELECT id FROM tickets WHERE requester_id NOT IN ({}) ORDER BY id DESC LIMIT ?".format(
                    ",".join(str(i) for i in requesters) or "0"
                ),
                (deletes,),
            )
        ]
    return {"erase": requesters, "contact": loners, "ticket": tickets}


def _raw_delete(path: Path, table: str) -> Callable[[int], float]:
    """Seconds of the DELETE statement alone: SQLite runs the foreign-key actions and checks
    in it (immediate constraints); the connection and the commit are the same either way."""

    def run(row_id: int) -> float:
        with sqlite3.connect(path, isolation_level=None) as db:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE")
            begun = time.perf_counter()
            db.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            took = time.perf_counter() - begun
            db.execute("COMMIT")
        return took

    return run


def _erase(runtime: Runtime, workspace_id: int, data_dir: Path) -> Callable[[int], float]:
    """Seconds of the whole database part, commit included."""

    def run(contact_id: int) -> float:
        begun = time.perf_counter()
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            erase_contact(session, contact_id=contact_id, actor_user_id=None, data_dir=data_dir)
            session.info.pop("cxhub_pending_jobs", None)  # the file part is not timed here
        return time.perf_counter() - begun

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--deletes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cxhub-deletes-") as folder:
        now_dir, before_dir = Path(folder) / "now", Path(folder) / "before"
        now_dir.mkdir()
        before_dir.mkdir()
        now_settings, before_settings = _settings(now_dir), _settings(before_dir)
        started = time.perf_counter()
        data = load(
            LoadPlan(
                url=now_settings.effective_database_url,
                tickets=args.tickets,
                messages_per_ticket=4.0,
                seed=args.seed,
                now=default_now(),
            )
        )
        now_db = Path(now_dir / "cxhub.sqlite3")
        before_db = Path(before_dir / "cxhub.sqlite3")
        with sqlite3.connect(now_db) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(now_db, before_db)
        print(f"built {data.counts} in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        downgrade_database(before_settings.effective_database_url, BEFORE)
        print(f"the copy taken down to {BEFORE} in {time.perf_counter() - started:.1f} s")
        picked = _pick(now_db, args.deletes)

        runtimes = {"0034": build_runtime(now_settings), "0033": build_runtime(before_settings)}
        paths = {"0034": now_db, "0033": before_db}
        dirs = {"0034": now_dir, "0033": before_dir}
        samples: dict[tuple[str, str], list[float]] = {}
        try:
            for kind in ("erase", "contact", "ticket"):
                for n, row_id in enumerate(picked[kind]):
                    for label in ("0034", "0033") if n % 2 == 0 else ("0033", "0034"):
                        work = (
                            _erase(runtimes[label], data.workspace_id, dirs[label])
                            if kind == "erase"
                            else _raw_delete(
                                paths[label], "contacts" if kind == "contact" else "tickets"
                            )
                        )
                        samples.setdefault((kind, label), []).append(work(row_id))
        finally:
            for runtime in runtimes.values():
                runtime.close()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    names = {
        "erase": "erase a requester (erase_contact, database part)",
        "contact": "delete an unreferenced contact (raw SQL, the statement)",
        "ticket": "delete a ticket with its thread (raw SQL, the statement)",
    }
    for kind, name in names.items():
        now_p50, now_p99, now_max = _ms(samples[(kind, "0034")])
        old_p50, old_p99, old_max = _ms(samples[(kind, "0033")])
        print(
            f"{name}: p50 {now_p50:.1f} ms, max {now_max:.1f} ms; at 0033 (baseline) "
            f"p50 {old_p50:.1f} ms, max {old_max:.1f} ms; ratio p50 {old_p50 / now_p50:.1f}x faster"
        )
        results.record(
            results.Figure(
                scenario=f"deletes_{kind}",
                unit="deletes",
                throughput=1000 / now_p50,
                p50_ms=now_p50,
                p99_ms=now_p99,
                peak_mb=results.peak_rss_mb(),
                baseline_name="same database at revision 0033",
                baseline_throughput=1000 / old_p50,
                baseline_p99_ms=old_p99,
                details={"tickets": args.tickets, "deletes": args.deletes},
            )
        )


if __name__ == "__main__":
    main()
