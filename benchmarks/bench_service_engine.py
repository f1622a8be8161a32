"""Service KPIs over a large window (ADR 0033): the Ibis expressions on embedded DuckDB against
the SQL live pass on SQLite, in the same run, over the same generated tickets.

    .venv/bin/python -m benchmarks.bench_service_engine [--tickets 1000000] [--runs 2]

Generates `--tickets` tickets over 90 days in a fresh SQLite database (migrated schema; one SLA
target per ticket on average, 10 % cancelled; a CSAT rating for a third of the solved tickets;
5 % spam, 3 % merged; sub-second times), then measures the whole window's KPIs, ungrouped and by
channel:

- `sql live (sqlite)`: `service_rollups.live.collect` + the Python summary — what
  `service_kpis(..., rollups=False)` does without the backlog count;
- `ibis duckdb (parquet)`: `service_metrics.kpi_groups` over the snapshot `export-service`
  writes (the export is timed once, separately);
- `ibis duckdb (record rows)`: `read_service_tables` (the window's rows from SQLite as Arrow
  memtables) + `kpi_groups`.

Every layer's answers are checked equal (floats to 1e-6 s: SQLite's julianday arithmetic). Prints
wall and CPU seconds per run (median of `--runs`), and the load average before and after.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIRST = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 90
WORKSPACE = 1


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path: Path, tickets: int, rng: random.Random) -> None:
    """Migrated schema, one workspace and contact, then raw inserts (the ORM would take minutes)."""
    from cxhub.core.migrate import upgrade_database

    upgrade_database(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    now = _text(FIRST)
    db.execute(
        "INSERT INTO workspaces (id, slug, name, default_locale, default_time_zone, created_at,"
        " updated_at) VALUES (1, 'bench', 'bench', 'en', 'UTC', ?, ?)",
        (now, now),
    )
    db.execute(
        "INSERT INTO contacts (id, workspace_id, custom_attributes, created_at, updated_at)"
        " VALUES (1, 1, '{}', ?, ?)",
        (now, now),
    )
    channels, priorities = ["email", "web", "chat", "phone"], ["low", "normal", "high", "urgent"]
    ticket_rows, target_rows, rating_rows = [], [], []
    for number in range(1, tickets + 1):
        created = FIRST + timedelta(
            seconds=rng.randrange(DAYS * 86400), microseconds=rng.randrange(10**6)
        )
        replied = (
            created + timedelta(seconds=rng.randrange(1, 2 * 86400)) if rng.random() < 0.8 else None
        )
        solved = (
            created + timedelta(seconds=rng.randrange(60, 6 * 86400))
            if rng.random() < 0.6
            else None
        )
        ticket_rows.append(
            (
                number,
                WORKSPACE,
                number,
                "s",
                "solved" if solved else "open",
                rng.choice(priorities),
                rng.choice(channels),
                1,
                "{}",
                int(rng.random() < 0.05),
                1 if number > 1 and rng.random() < 0.03 else None,
                _text(created),
                now,
                now,
                _text(replied),
                _text(solved),
                rng.choice([0, 0, 0, 1]),
                rng.choice([0, 1, 1, 2]),
                0,
                rng.randrange(0, 90000) if replied else None,
                rng.randrange(0, 400000) if solved else None,
                rng.choice([None, 1, 2, 3]),
                rng.choice([None, 10, 11, 12, 13]),
            )
        )
        if rng.random() < 0.9:
            started, outcome = created, rng.random()
            target_rows.append(
                (
                    number,
                    WORKSPACE,
                    "first_reply",
                    60,
                    _text(started),
                    "[]",
                    0,
                    int(rng.random() < 0.1),
                    _text(started + timedelta(minutes=30)) if outcome < 0.6 else None,
                    _text(started + timedelta(minutes=61)) if outcome > 0.5 else None,
                )
            )
        if solved and rng.random() < 0.33:
            rating_rows.append(
                (
                    number,
                    WORKSPACE,
                    f"{number:064d}",
                    now,
                    "email",
                    rng.choice([1, 2, 3, 4, 5, 5]),
                    _text(solved + timedelta(hours=2)),
                )
            )
    db.executemany(
        "INSERT INTO tickets (id, workspace_id, number, subject, status, priority, channel,"
        " requester_id, custom_fields, is_spam, merged_into_id, created_at, updated_at,"
        " status_changed_at, first_replied_at, solved_at, reopen_count, agent_reply_count,"
        " sla_breached, first_reply_business_seconds, resolution_business_seconds, team_id,"
        " assignee_id) VALUES (" + ", ".join("?" * 23) + ")",
        ticket_rows,
    )
    db.executemany(
        "INSERT INTO ticket_sla_targets (ticket_id, workspace_id, metric, target_minutes,"
        " started_at, pauses, closed, cancelled, fulfilled_at, breached_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        target_rows,
    )
    db.executemany(
        "INSERT INTO csat_surveys (ticket_id, workspace_id, token_sha256, requested_at, channel,"
        " score, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rating_rows,
    )
    db.commit()
    db.close()


def measure(call: Callable[[], Any], runs: int) -> tuple[Any, float, float]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-6)
    return bool(left == right)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from cxhub.analytics import engine
    from cxhub.analytics.service_engine import (
        export_service_tables,
        parquet_service_tables,
        read_service_tables,
    )
    from cxhub.analytics.service_kpis import summarise
    from cxhub.analytics.service_metrics import kpi_groups
    from cxhub.analytics.service_rollups.live import GroupBy, collect, group_columns, group_key
    from cxhub.analytics.service_rollups.tally import KpiTally

    print(f"load average before: {os.getloadavg()}")
    start, end = FIRST, FIRST + timedelta(days=DAYS + 7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        seed(path, args.tickets, random.Random(1))
        print(f"seeded {args.tickets:,} tickets in {time.perf_counter() - t0:.0f} s")
        db = create_engine(f"sqlite:///{path}")

        def sql_live(group_by: GroupBy) -> dict[Any, Any]:
            tallies: dict[str | None, KpiTally] = {}
            with Session(db) as session:
                collect(
                    session,
                    workspace_id=WORKSPACE,
                    start=start,
                    end=end,
                    keys=group_columns(session, group_by),
                    sink=lambda row: [
                        tallies.setdefault(group_key(row[0]) if row else None, KpiTally())
                    ],
                )
            return {k: asdict(summarise(k, t)) for k, t in tallies.items()}

        snapshot = Path(tmp) / "snapshot"
        with Session(db) as session:
            _, export_wall, export_cpu = measure(
                lambda: export_service_tables(session, workspace_id=WORKSPACE, directory=snapshot),
                1,
            )
        print(f"export-service: {export_wall:.1f} s wall, {export_cpu:.1f} s CPU")

        def ibis_parquet(group_by: GroupBy) -> dict[Any, Any]:
            with engine.connected(engine.EngineConfig()) as backend:
                tables = parquet_service_tables(backend, snapshot)
                groups = kpi_groups(backend, tables, start=start, end=end, group_by=group_by)
            return {k: asdict(g) for k, g in groups.items()}

        def ibis_rows(group_by: GroupBy) -> dict[Any, Any]:
            with Session(db) as session, engine.connected(engine.EngineConfig()) as backend:
                tables = read_service_tables(session, workspace_id=WORKSPACE, start=start, end=end)
                groups = kpi_groups(backend, tables, start=start, end=end, group_by=group_by)
            return {k: asdict(g) for k, g in groups.items()}

        print(f"| grouping | layer | wall s (median of {args.runs}) | CPU s |")
        print("|---|---|---:|---:|")
        for group_by in (GroupBy.NONE, GroupBy.CHANNEL):
            baseline = None
            for name, layer in (
                ("sql live (sqlite)", sql_live),
                ("ibis duckdb (parquet)", ibis_parquet),
                ("ibis duckdb (record rows)", ibis_rows),
            ):
                result, wall, cpu = measure(lambda layer=layer, g=group_by: layer(g), args.runs)
                if baseline is None:
                    baseline = result
                elif not _same(baseline, result):
                    print(f"MISMATCH: {name} {group_by}", file=sys.stderr)
                    return 1
                print(f"| {group_by.value} | {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
