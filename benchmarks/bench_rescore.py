"""How long the daily health rescore and churn scoring take for a whole workspace.

    .venv/bin/python -m benchmarks.bench_rescore [--accounts 100000] [--events 10000000]

Builds a fresh SQLite cxhub (setup, timed but not measured): `--accounts` accounts (seats in
custom attributes), three contacts each with a product user id, a subscription for 90 % of them
(active, trialing, past due or ended), one ticket per account on average in the last 60 days with
an SLA target (15 % breached) and a CSAT rating for 30 %, one CSM call per account, and `--events`
track/page events over the 60 days before `as_of` written straight into the Parquet store (90 %
by the accounts' users, 10 % by unknown users; 40 features). Then measures, in this process:

- `success.health.service.rescore_workspace` (the `health.rescore` job) with its time split by
  phase (SQL inputs, events aggregation, combine, scoring, writing), committed;
- churn risk: a model is trained once on the same account features (setup) and
  `analytics.churn.score` scores every account (probability and top drivers);
- a bare DuckDB baseline in the same run: the one aggregation the event phase runs, on a plain
  connection, so the event phase can be read against what DuckDB alone needs.

Prints wall and CPU seconds (`time.process_time`: this process and its DuckDB threads) per phase,
accounts/s, peak RSS and the 1-minute load average (the machine is shared). `--data-dir DIR` keeps
the built database and events in DIR and reuses them on the next run with the same sizes, so a
"before" and an "after" run (another checkout on `PYTHONPATH`) score the same data.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.results import Figure, peak_rss_mb, record

AS_OF = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
FEATURES = 40
CHUNK = 20_000


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(data_dir: Path) -> Any:
    from cxhub.core.settings import Settings

    return Settings(
        environment="development",
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",  # noqa: S106
        scheduler=False,
    )


def _insert(session: Any, table_name: str, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from cxhub.core.db import Base

    table = Base.metadata.tables[table_name]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])


def load(runtime: Any, workspace_id: int, accounts: int, seed: int) -> None:
    """Accounts, contacts, subscriptions, tickets, SLA targets, CSAT and calls (raw inserts)."""
    from cxhub.core.db import unit_of_work
    from cxhub.customers.timeline.models import Channel
    from cxhub.service.tickets.models import TicketPriority, TicketStatus

    rng = random.Random(seed)
    now = AS_OF
    ws = workspace_id
    priorities = [
        TicketPriority.LOW,
        TicketPriority.NORMAL,
        TicketPriority.HIGH,
        TicketPriority.URGENT,
    ]
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        _insert(
            session,
            "accounts",
            [
                {"id": a, "workspace_id": ws, "name": f"Account {a}", "name_key": f"account {a}",
                 "external_id": f"acct-{a}", "custom_attributes": {"seats": 3 + a % 20}}
                for a in range(1, accounts + 1)
            ],
        )  # fmt: skip
        contact_ids = range(1, 3 * accounts + 1)
        _insert(
            session,
            "contacts",
            [{"id": c, "workspace_id": ws, "account_id": (c - 1) // 3 + 1, "custom_attributes": {}}
             for c in contact_ids],
        )  # fmt: skip
        _insert(
            session,
            "contact_identifiers",
            [{"workspace_id": ws, "contact_id": c, "kind": "external_id", "value": f"u{c}"}
             for c in contact_ids],
        )  # fmt: skip
        statuses = ["active"] * 7 + ["trialing", "past_due"]
        subscriptions = []
        for a in range(1, accounts + 1):
            if a % 10 == 0:
                continue
            started = AS_OF.date() - timedelta(days=rng.randint(30, 700))
            ended = AS_OF.date() - timedelta(days=rng.randint(1, 20)) if a % 17 == 0 else None
            subscriptions.append(
                {"workspace_id": ws, "account_id": a, "plan": "pro", "currency": "USD",
                 "mrr_cents": 10_000 + a % 50 * 1000, "seats": 5 + a % 15, "started_on": started,
                 "renewal_on": AS_OF.date() + timedelta(days=rng.randint(1, 365)),
                 "ended_on": ended, "status": rng.choice(statuses)}
            )  # fmt: skip
        _insert(session, "subscriptions", subscriptions)
        tickets, targets, ratings, calls = [], [], [], []
        for t in range(1, accounts + 1):
            account = rng.randint(1, accounts)
            created = now - timedelta(seconds=rng.randint(0, 60 * 86400))
            tickets.append(
                {"id": t, "workspace_id": ws, "number": t, "subject": "Help", "channel": Channel.EMAIL,
                 "status": TicketStatus.OPEN, "priority": rng.choice(priorities),
                 "requester_id": 3 * account, "account_id": account, "created_at": created,
                 "updated_at": created, "status_changed_at": created}
            )  # fmt: skip
            breached = created + timedelta(hours=5) if rng.random() < 0.15 else None
            targets.append(
                {"workspace_id": ws, "ticket_id": t, "metric": "first_response",
                 "target_minutes": 240, "started_at": created, "breached_at": breached}
            )  # fmt: skip
            if rng.random() < 0.3:
                ratings.append(
                    {"workspace_id": ws, "ticket_id": t, "token_sha256": f"{t:064x}",
                     "score": rng.randint(1, 5), "rated_at": created + timedelta(days=1)}
                )  # fmt: skip
            calls.append(
                {"workspace_id": ws, "kind": "call", "channel": Channel.PHONE,
                 "account_id": t, "occurred_at": now - timedelta(days=rng.randint(1, 200))}
            )  # fmt: skip
        _insert(session, "tickets", tickets)
        _insert(session, "ticket_sla_targets", targets)
        _insert(session, "csat_surveys", ratings)
        _insert(session, "interactions", calls)


def write_events(data_dir: Path, workspace_id: int, accounts: int, events: int) -> None:
    """`events` track/page events straight into the store's day partitions (import file names)."""
    import duckdb

    from cxhub.success.usage import storage

    def name(part: int) -> str:  # before the bulk import: a compaction-style name
        if hasattr(storage, "import_file_name"):
            return str(storage.import_file_name("20261101T000000-0000beef", part))
        return str(storage.file_name(part + 1, part + 1))

    staging = data_dir / "events" / ".bench"
    staging.parent.mkdir(parents=True, exist_ok=True)
    users = 3 * accounts
    end = AS_OF.replace(tzinfo=None)
    with duckdb.connect() as connection:
        connection.execute(
            f"""COPY (SELECT NULL::BIGINT AS id, 'm-' || i::VARCHAR AS message_id,
                CASE WHEN i % 10 = 5 THEN 'page' ELSE 'track' END AS type,
                CASE WHEN i % 10 = 5 THEN 'Dashboard'
                     ELSE 'Feature ' || (hash(i) % {FEATURES})::VARCHAR END AS event,
                CASE WHEN i % 10 = 9 THEN 'stranger-' || (i % 5000)::VARCHAR
                     ELSE 'u' || (1 + hash(i * 31) % {users})::VARCHAR END AS user_id,
                NULL::VARCHAR AS anonymous_id, NULL::VARCHAR AS group_id,
                TIMESTAMP '{end.isoformat()}' - to_seconds(1 + (i * 7919) % (86400 * 60))
                    AS timestamp,
                TIMESTAMP '{end.isoformat()}' AS received_at,
                '{{"plan":"pro"}}' AS properties, '{{}}' AS context,
                CAST(TIMESTAMP '{end.isoformat()}' - to_seconds(1 + (i * 7919) % (86400 * 60))
                    AS DATE) AS day
            FROM range({events}) t(i))
            TO '{staging}' (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (day))"""
        )
    for part, path in enumerate(sorted(staging.glob("day=*/*.parquet"))):
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        target = storage.day_dir(data_dir, workspace_id, day) / name(part)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    shutil.rmtree(staging)


def baseline(data_dir: Path, accounts: int) -> float:
    """The event phase's aggregation on a bare DuckDB connection (members generated in SQL),
    written as the rescore computes it since ADR 0034: per (account, user), then per account,
    and the features used as distinct (account, feature) pairs."""
    import duckdb

    end = AS_OF.replace(tzinfo=None)
    started = time.perf_counter()
    with duckdb.connect() as connection:
        connection.execute(
            f"CREATE TEMP TABLE members AS SELECT 'u' || c::VARCHAR AS user_id, "
            f"(c - 1) // 3 + 1 AS account_id FROM range(1, {3 * accounts + 1}) t(c)"
        )
        connection.execute(
            "WITH joined AS (SELECT account_id, user_id, event, type, timestamp >= $m AS recent "
            f"FROM read_parquet('{data_dir}/events/*/*/*.parquet') JOIN members USING (user_id) "
            "WHERE type IN ('track', 'page', 'screen') AND timestamp < $e "
            "AND timestamp >= $m - INTERVAL 30 DAY), "
            "users AS (SELECT account_id, user_id, count(*) FILTER (WHERE recent) AS recent, "
            "count(*) FILTER (WHERE NOT recent) AS earlier FROM joined GROUP BY ALL), "
            "used AS (SELECT account_id, count(*) AS used FROM (SELECT DISTINCT account_id, event "
            "FROM joined WHERE recent AND type = 'track' AND event IS NOT NULL) GROUP BY ALL) "
            "SELECT account_id, count(*) FILTER (WHERE recent > 0), sum(recent), sum(earlier), "
            "coalesce(any_value(used), 0) FROM users LEFT JOIN used USING (account_id) "
            "GROUP BY account_id",
            {"e": end, "m": end - timedelta(days=30)},
        ).fetchall()
    return time.perf_counter() - started


def churn_scoring(inputs: dict[int, dict[str, float | None]], seed: int) -> dict[str, float]:
    """Train once (setup) on the health inputs, then time scoring every account."""
    from cxhub.analytics.churn import score, train

    rng = random.Random(seed)
    ids = sorted(inputs)
    names = sorted(next(iter(inputs.values())))
    table: dict[str, list[Any]] = {name: [inputs[a][name] for a in ids] for name in names}
    table["churned"] = [
        "yes" if (inputs[a]["billing_status"] == 0.0 or rng.random() < 0.05) else "no" for a in ids
    ]
    started = time.perf_counter()
    model = train(table, target="churned", positive="yes")
    trained = time.perf_counter() - started
    started = time.perf_counter()
    probabilities, drivers = score(model, {k: v for k, v in table.items() if k != "churned"})
    scored = time.perf_counter() - started
    assert len(probabilities) == len(ids) == len(drivers)
    return {"train": trained, "score": scored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-churn", action="store_true", help="Skip churn scoring.")
    parser.add_argument(
        "--data-dir", type=Path, help="Build the data here once and reuse it (kept afterwards)."
    )
    parser.add_argument("--runs", type=int, default=2, help="Rescores to time (default 2).")
    parser.add_argument(
        "--no-baseline", action="store_true", help="Skip the bare DuckDB aggregation."
    )
    args = parser.parse_args()

    from cxhub.analytics.health_inputs import account_inputs
    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.people import service as people

    try:
        from cxhub.success.health.rescore import rescore_workspace
    except ImportError:  # a checkout before the rescore had its own module (the "before" runs)
        from cxhub.success.health.service import rescore_workspace  # type: ignore[attr-defined,no-redef]

    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="cxhub-bench-rescore-"))
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "bench-rescore.json"
    sizes = {"accounts": args.accounts, "events": args.events, "seed": args.seed}
    built = json.loads(marker.read_text()) if marker.exists() else None
    try:
        settings = _settings(folder)
        if built is not None and built["sizes"] != sizes:
            raise SystemExit(
                f"{folder} holds {built['sizes']}, not {sizes}: use another --data-dir"
            )
        upgrade_database(settings.effective_database_url)
        runtime = build_runtime(settings)
        if built is None:
            with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
                workspace_id = people.create_workspace(session, slug="bench", name="Bench").id
            started = time.perf_counter()
            load(runtime, workspace_id, args.accounts, args.seed)
            write_events(folder, workspace_id, args.accounts, args.events)
            marker.write_text(json.dumps({"sizes": sizes, "workspace_id": workspace_id}))
            print(
                f"setup: {args.accounts:,} accounts, {3 * args.accounts:,} contacts, "
                f"{args.events:,} events in {time.perf_counter() - started:.1f} s"
            )
        else:
            workspace_id = int(built["workspace_id"])
            print(f"reusing the data in {folder}")
        print(f"{os.cpu_count()} CPUs, load average {_load()}")
        bare = None if args.no_baseline else baseline(folder, args.accounts)
        if bare is not None:
            print(f"baseline (bare DuckDB aggregation of the events): {bare:.2f} s")
        takes_timings = "timings" in inspect.signature(rescore_workspace).parameters
        rescore_seconds: list[float] = []
        for attempt in range(1, args.runs + 1):
            timings: dict[str, float] = {}
            extra: dict[str, Any] = {"timings": timings} if takes_timings else {}
            load_before = _load()
            started, cpu_started = time.perf_counter(), time.process_time()
            with unit_of_work(runtime.session_factory, workspace_id) as session:
                summary = rescore_workspace(
                    session, workspace_id=workspace_id, as_of=AS_OF, data_dir=folder, **extra
                )
                mark, cpu_mark = time.perf_counter(), time.process_time()
            commit = time.perf_counter() - mark
            commit_cpu = time.process_time() - cpu_mark
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            rescore_seconds.append(seconds)
            phases = ", ".join(
                f"{k} {v:.2f}"
                + (f" (cpu {timings[k + '_cpu']:.2f})" if k + "_cpu" in timings else "")
                for k, v in timings.items()
                if not k.endswith("_cpu")
            )
            print(
                f"rescore #{attempt}: {seconds:.2f} s wall, {cpu:.2f} s CPU for {summary.scored:,} "
                f"scores ({summary.scored / seconds:,.0f}/s; {summary.band_changes:,} band "
                f"changes); phases [s]: {phases}{', ' if phases else ''}commit {commit:.2f} "
                f"(cpu {commit_cpu:.2f}); peak RSS {_peak_mb():,.0f} MB; load {load_before} -> "
                f"{_load()}"
            )
        churn_seconds = 0.0
        if not args.no_churn:
            with unit_of_work(runtime.session_factory, workspace_id) as session:
                inputs = account_inputs(
                    session, workspace_id=workspace_id, as_of=AS_OF, data_dir=folder
                )
            churn = churn_scoring(inputs, args.seed)
            churn_seconds = churn["score"]
            print(
                f"churn: trained in {churn['train']:.2f} s (setup), scored {len(inputs):,} "
                f"accounts in {churn['score']:.2f} s; peak RSS {_peak_mb():,.0f} MB; "
                f"load {os.getloadavg()[0]:.1f}"
            )
        best = min(rescore_seconds)
        record(
            Figure(
                scenario="rescore: health + churn",
                unit="accounts",
                throughput=args.accounts / (best + churn_seconds),
                seconds=best + churn_seconds,
                peak_mb=peak_rss_mb(),
                baseline_name="bare DuckDB event aggregation",
                baseline_seconds=bare,
                target="< 10 s for 100,000 accounts / 10M events",
                target_met=(best + churn_seconds) < 10.0
                if args.accounts >= 100_000 and args.events >= 10_000_000
                else None,
                details={"accounts": args.accounts, "events": args.events,
                         "health_s": round(best, 2), "churn_score_s": round(churn_seconds, 2)},
            )
        )  # fmt: skip
        runtime.close()
    finally:
        if args.data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
