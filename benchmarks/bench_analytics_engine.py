"""Ibis on DuckDB against raw DuckDB SQL for the usage metrics (ADR 0023), in the same run.

    .venv/bin/python -m benchmarks.bench_analytics_engine [--accounts 5000] [--events 1000000]
        [--runs 10] [--warmup 2] [--rounds 3] [--spark]

Writes `--events` track/page events over 60 days into the Parquet store of a temporary
directory (`bench_rescore.write_events`: 3 product users per account, 10 % strangers, 40
features), then, for each scenario, measures each layer in a fresh child process (so each has
its own peak RSS and its own first-query cost, which the warm-up runs absorb), `--rounds`
times with the layers alternating, so the noise of a shared machine hits them alike:

- `rescore`: the daily health rescore's aggregation, every account at once;
- `account page`: one account's adoption (DAU/WAU/MAU, stickiness, breadth, depth, trend);
- `workspace usage`: totals, per day and the top 50 features over 30 days.

Layers: `raw duckdb` = the hand-written SQL cxhub ran before ADR 0023 (kept here as the
baseline), `ibis duckdb` = the product's path today (events registered through `engine`, the
`usage_metrics` expressions compiled by Ibis), and with `--spark` the rescore on Spark
(local[2]) through the same seam. Each run opens the events afresh, as a request or a job does.
Prints runs/s, events/s, p50/p99 and peak RSS, the ratio to the baseline, and checks that the
layers' results are equal.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_rescore import AS_OF, write_events
from benchmarks.results import Figure, record

WORKSPACE_ID = 1
SCENARIOS = ("rescore", "account page", "workspace usage")
ACTIVITY = "('track', 'page', 'screen')"


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not carry the parent's peak
    over the fork and exec of a child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _files(data_dir: Path) -> list[Any]:
    from cxhub.success.usage.storage import event_files

    return event_files(data_dir, WORKSPACE_ID)


def _members(accounts: int) -> list[tuple[str, int]]:
    return [(f"u{c}", (c - 1) // 3 + 1) for c in range(1, 3 * accounts + 1)]


def _raw_events(data_dir: Path, start: Any, end: Any, kind: str) -> Any:
    """The pre-ADR 0023 `open_events` (no inbox rows here): a view or table over read_parquet."""
    import duckdb

    connection = duckdb.connect()
    listing = ", ".join(f"'{f.path}'" for f in _files(data_dir))
    connection.execute(
        f"CREATE TEMP {kind} events AS SELECT message_id, type, event, user_id, timestamp "
        f"FROM read_parquet([{listing}]) "
        f"WHERE timestamp >= TIMESTAMP '{start.replace(tzinfo=None).isoformat()}' "
        f"AND timestamp < TIMESTAMP '{end.replace(tzinfo=None).isoformat()}'"
    )
    return connection


def _raw(scenario: str, connection: Any, accounts: int) -> Any:
    """The hand-written DuckDB SQL of adoption.py before ADR 0023."""
    import numpy as np

    end = AS_OF.replace(tzinfo=None)
    params = {"end": end, "month": end - timedelta(days=30)}
    if scenario == "workspace usage":
        totals = connection.execute(
            f"SELECT count(*), count(DISTINCT user_id) FROM events WHERE type IN {ACTIVITY}"
        ).fetchall()
        daily = connection.execute(
            "SELECT CAST(timestamp AS DATE) AS day, count(DISTINCT user_id), count(*) FROM events "
            f"WHERE type IN {ACTIVITY} GROUP BY day ORDER BY day"
        ).fetchall()
        top = connection.execute(
            "SELECT event, count(*), count(DISTINCT user_id) FROM events WHERE type = 'track' "
            "GROUP BY event ORDER BY 2 DESC, 1 LIMIT 50"
        ).fetchall()
        return [totals[0][0], totals[0][1], len(daily), sorted(r[1] for r in top)]
    members = _members(accounts) if scenario == "rescore" else _members(accounts)[:3]
    connection.register(
        "members",
        {
            "user_id": np.array([m[0] for m in members], dtype=object),
            "account_id": np.array([m[1] for m in members], dtype=np.int64),
        },
    )
    available = connection.execute(
        "SELECT count(DISTINCT event) FROM events WHERE type = 'track' AND timestamp >= $month "
        "AND timestamp < $end",
        params,
    ).fetchall()[0][0]
    base = (
        "FROM events JOIN (SELECT DISTINCT user_id, account_id FROM members) USING (user_id) "
        f"WHERE type IN {ACTIVITY} AND timestamp < $end AND timestamp >= $month - INTERVAL 30 DAY"
    )
    extra = ""
    if scenario == "account page":
        extra = (
            ", count(DISTINCT user_id) FILTER (WHERE timestamp >= $end - INTERVAL 1 DAY), "
            "count(DISTINCT user_id) FILTER (WHERE timestamp >= $end - INTERVAL 7 DAY), "
            "count(DISTINCT (user_id, floor(datediff('second', timestamp, $end) / 86400))) "
            "FILTER (WHERE timestamp >= $month)"
        )
    rows = connection.execute(
        "SELECT account_id, count(DISTINCT user_id) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp >= $month), count(*) FILTER (WHERE timestamp < $month), "
        f"count(DISTINCT event) FILTER (WHERE type = 'track' AND timestamp >= $month){extra} "
        f"{base} GROUP BY account_id",
        params,
    ).fetchall()
    if scenario == "account page":
        connection.execute(
            f"SELECT event, count(*), count(DISTINCT user_id) {base} AND type = 'track' "
            "AND timestamp >= $month GROUP BY event ORDER BY 2 DESC, 1",
            params,
        ).fetchall()
    return sorted([int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), available] for r in rows)


def _window(scenario: str) -> tuple[Any, Any]:
    """60 days for the account metrics, the 30 before `AS_OF` for the workspace usage."""
    from cxhub.analytics import adoption

    start, end = adoption.usage_window(AS_OF)
    return (end - timedelta(days=30) if scenario == "workspace usage" else start), end


def _ibis(scenario: str, data_dir: Path, accounts: int, backend_name: str) -> Any:
    """The product's path today: events through the seam, metrics as Ibis expressions."""
    from cxhub.analytics import adoption, engine

    start, end = _window(scenario)
    config = engine.EngineConfig(backend=backend_name)  # type: ignore[arg-type]
    backend = _ibis.backends.get(backend_name)  # type: ignore[attr-defined]
    if backend is None or backend_name == "duckdb":
        backend = engine.connect(config)
        _ibis.backends[backend_name] = backend  # type: ignore[attr-defined]
    events = engine.usage_events(
        backend,
        files=[(f.path, f.day) for f in _files(data_dir)],
        inbox=[],
        data_dir=data_dir,
        start=start,
        end=end,
    )
    try:
        if backend_name == "duckdb":  # as usage_events.open_events does
            events = engine.duckdb_events(backend, events, materialise=scenario == "account page")
        if scenario == "workspace usage":
            con = backend.con  # type: ignore[attr-defined]
            usage = adoption.workspace_usage(con, start=start, end=end)
            events_month = [usage.events, usage.active_users, len(usage.daily)]
            return [*events_month, sorted(f.events for f in usage.features)]
        members = _members(accounts) if scenario == "rescore" else _members(accounts)[:3]
        seats: dict[int, int | None] = {a: 5 for _, a in members}
        if scenario == "rescore":
            found = adoption.accounts_adoption_on(
                backend, events, members=members, as_of=AS_OF, licensed_seats=seats
            )
            return sorted([a, s.active_seats, s.usage_trend] for a, s in found.items())
        page = adoption.account_adoption(
            backend.con,  # type: ignore[attr-defined]
            user_ids=[m[0] for m in members],
            as_of=AS_OF,
            licensed_seats=5,
        )
        return [page.mau, page.events_last_30_days, page.events_previous_30_days]
    finally:
        if backend_name == "duckdb":
            backend.disconnect()


_ibis.backends = {}  # type: ignore[attr-defined]


def _normalise(scenario: str, layer: str, result: Any) -> Any:
    """Both layers' results in one shape, to check they agree."""
    if scenario == "workspace usage":
        return result
    if layer == "raw duckdb":
        if scenario == "account page":
            return [result[0][1], result[0][2], result[0][3]]
        return [[r[0], r[1], (r[2] / r[3]) if r[3] else None] for r in result]
    return result


def child(args: argparse.Namespace) -> None:
    data_dir = Path(args.dir)
    start, end = _window(args.scenario)
    latencies: list[float] = []
    result: Any = None
    for attempt in range(args.warmup + args.runs):
        started = time.perf_counter()
        if args.layer == "raw duckdb":
            kind = "TABLE" if args.scenario == "account page" else "VIEW"  # as the product
            with _raw_events(data_dir, start, end, kind) as connection:
                result = _raw(args.scenario, connection, args.accounts)
        else:
            backend = "pyspark" if args.layer == "ibis spark" else "duckdb"
            result = _ibis(args.scenario, data_dir, args.accounts, backend)
        if attempt >= args.warmup:
            latencies.append(time.perf_counter() - started)
    rounded = json.loads(json.dumps(_normalise(args.scenario, args.layer, result)))
    print(json.dumps({"latencies": latencies, "peak_mb": _peak_mb(), "result": rounded}))


def _measure(
    args: argparse.Namespace, folder: Path, scenario: str, layer: str, runs: int
) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "benchmarks.bench_analytics_engine", "--child",
        "--dir", str(folder), "--scenario", scenario, "--layer", layer,
        "--accounts", str(args.accounts), "--runs", str(runs), "--warmup", str(args.warmup),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="Child processes per layer.")
    parser.add_argument("--spark", action="store_true", help="Also the rescore on Spark.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--layer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = Path(tempfile.mkdtemp(prefix="cxhub-bench-engine-"))
    try:
        started = time.perf_counter()
        write_events(folder, WORKSPACE_ID, args.accounts, args.events)
        print(
            f"setup: {args.events:,} events, {args.accounts:,} accounts in "
            f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"{'scenario':<16} {'layer':<12} {'runs/s':>7} {'Mevents/s':>9} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'peak MB':>8} {'p50 vs raw':>10}")  # fmt: skip
        for scenario in SCENARIOS:
            layers = ["raw duckdb", "ibis duckdb"]
            if args.spark and scenario == "rescore":
                layers.append("ibis spark")
            measured: dict[str, dict[str, Any]] = {}
            for _ in range(args.rounds):  # layers alternate, so a busy spell hits both
                for layer in layers:
                    runs = max(2, args.runs // 5) if layer == "ibis spark" else args.runs
                    if layer == "ibis spark" and layer in measured:
                        continue  # one child: Spark's start-up is not what is measured
                    figures = _measure(args, folder, scenario, layer, runs)
                    if layer in measured:
                        measured[layer]["latencies"] += figures["latencies"]
                        measured[layer]["peak_mb"] = max(
                            measured[layer]["peak_mb"], figures["peak_mb"]
                        )
                    else:
                        measured[layer] = figures
            raw_p50 = statistics.median(measured["raw duckdb"]["latencies"])
            for layer, figures in measured.items():
                latencies = figures["latencies"]
                p50 = statistics.median(latencies)
                print(
                    f"{scenario:<16} {layer:<12} {len(latencies) / sum(latencies):>7.2f} "
                    f"{args.events / p50 / 1e6:>9.2f} {p50 * 1000:>8.0f} "
                    f"{_percentile(latencies, 0.99) * 1000:>8.0f} {figures['peak_mb']:>8.0f} "
                    f"{p50 / raw_p50:>9.2f}x"
                )
                if layer != "raw duckdb":
                    raw = measured["raw duckdb"]["latencies"]
                    record(
                        Figure(
                            scenario=f"analytics: {scenario} on {layer}",
                            unit="events",
                            throughput=args.events / p50,
                            p50_ms=p50 * 1000,
                            p99_ms=_percentile(latencies, 0.99) * 1000,
                            peak_mb=figures["peak_mb"],
                            baseline_name="raw DuckDB SQL",
                            baseline_throughput=args.events / raw_p50,
                            baseline_p99_ms=_percentile(raw, 0.99) * 1000,
                            details={"events": args.events, "accounts": args.accounts},
                        )
                    )
                same = figures["result"] == measured["raw duckdb"]["result"]
                if not same:
                    print(f"  !! {layer} result differs from raw duckdb")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
