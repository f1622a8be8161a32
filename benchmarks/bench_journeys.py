"""Journey funnel and touchpoint paths over 1,000,000 contacts / 20,000,000 touchpoints (issue
5, target < 2 s), Ibis on DuckDB (the product's definitions, `experience/journeys/metrics.py`)
against hand-written DuckDB SQL in the same run.

    .venv/bin/python -m benchmarks.bench_journeys [--contacts 1000000] [--touchpoints 20000000]
        [--runs 5] [--warmup 1] [--seed 26] [--threads N] [--keep DIR]

Generates deterministic data with DuckDB (hashes of row numbers and `--seed`, no Python loop)
into Parquet, as ADR 0026 stores touchpoints at this scale: touchpoints (contact, channel,
kind, time over 180 days, sentiment on mentions/calls, a 0-10 score on survey answers) and
stage entries (each contact reaches a furthest stage 0-6, one entry per stage, days apart).
Then, per layer, `--warmup` + `--runs` times over the same files: the funnel (customers per
furthest stage → reached, conversion, drop-off) and the paths (first 5 touchpoint steps per
customer with repeats collapsed → Sankey nodes and links and the top 10 paths). Checks that
both layers give the same numbers; prints runs, touchpoints/s, p50/p99 and the peak RSS of
the process, the load average before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis

from benchmarks.results import Figure, record
from cxhub.analytics import engine
from cxhub.experience.journeys import metrics
from cxhub.experience.journeys.analytics import run_analytics
from cxhub.experience.journeys.rules import DEFAULT_STAGES

SINCE = datetime(2026, 1, 1)
UNTIL = datetime(2026, 7, 1)
KINDS = [
    "page_view",
    "page_view",
    "page_view",
    "email_open",
    "chat",
    "call",
    "mention",
    "nps_response",
]
STEPS = 5


def generate(folder: Path, *, contacts: int, touchpoints: int, seed: int, threads: int) -> float:
    started = time.perf_counter()
    kinds = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    with duckdb.connect() as con:
        con.execute(f"SET threads = {threads}")
        con.execute(
            f"""COPY (
              SELECT (1 + hash(i * 1009 + {seed}) % {contacts})::BIGINT AS contact_id,
                     CASE WHEN kind IN ('page_view') THEN 'web' WHEN kind = 'mention' THEN 'social'
                          WHEN kind = 'call' THEN 'phone' ELSE 'email' END AS channel,
                     kind,
                     TIMESTAMP '2026-01-01' + to_seconds((hash(i * 2003 + {seed}) % 15552000)::BIGINT)
                       AS occurred_at,
                     CASE WHEN kind IN ('mention', 'call')
                          THEN ((hash(i * 3001 + {seed}) % 2001)::DOUBLE - 1000) / 1000 END AS sentiment,
                     CASE WHEN kind = 'nps_response' THEN (hash(i * 4001 + {seed}) % 11)::BIGINT END
                       AS score
              FROM (SELECT i, {kinds}[1 + (hash(i * 5003 + {seed}) % {len(KINDS)})::BIGINT] AS kind
                    FROM range({touchpoints}) t(i))
            ) TO '{folder / "touchpoints.parquet"}' (FORMAT PARQUET, COMPRESSION ZSTD)"""
        )
        con.execute(
            f"""COPY (
              SELECT c::BIGINT AS contact_id, p::BIGINT AS position,
                     TIMESTAMP '2026-01-01' + to_seconds((hash(c * 8009 + {seed}) % 7776000)::BIGINT)
                       + to_seconds(p * (86400 + (hash(c * 7001 + p * 13 + {seed}) % 1728000)::BIGINT))
                       AS entered_at
              FROM range(1, {contacts} + 1) a(c), range(7) b(p)
              WHERE p <= CASE WHEN hash(c * 6007 + {seed}) % 100 < 40 THEN 0
                              WHEN hash(c * 6007 + {seed}) % 100 < 65 THEN 1
                              WHEN hash(c * 6007 + {seed}) % 100 < 80 THEN 2
                              ELSE 3 + hash(c * 6007 + {seed}) % 4 END
            ) TO '{folder / "entries.parquet"}' (FORMAT PARQUET, COMPRESSION ZSTD)"""
        )
    return time.perf_counter() - started


RAW_FUNNEL = """
WITH before AS (SELECT * FROM read_parquet('{e}') WHERE entered_at < TIMESTAMP '{until}'),
active AS (SELECT DISTINCT contact_id FROM before WHERE entered_at >= TIMESTAMP '{since}'),
furthest AS (SELECT contact_id, max(position) AS furthest FROM before GROUP BY contact_id)
SELECT furthest, count(*) AS customers FROM furthest SEMI JOIN active USING (contact_id)
GROUP BY furthest ORDER BY furthest"""
RAW_STEPS = """
CREATE OR REPLACE TEMP TABLE raw_steps AS
WITH w AS (
  SELECT contact_id, occurred_at, kind AS label FROM read_parquet('{t}')
  WHERE occurred_at >= TIMESTAMP '{since}' AND occurred_at < TIMESTAMP '{until}'
    AND contact_id IS NOT NULL),
marked AS (SELECT *, lag(label) OVER (PARTITION BY contact_id ORDER BY occurred_at, label) AS prev
           FROM w),
numbered AS (SELECT contact_id, label,
                    row_number() OVER w - 1 AS step, lead(label) OVER w AS following
             FROM marked WHERE prev IS NULL OR prev <> label
             WINDOW w AS (PARTITION BY contact_id ORDER BY occurred_at, label))
SELECT contact_id, step, label, CASE WHEN step < {steps} - 1 THEN following END AS next_label
FROM numbered WHERE step < {steps}"""
RAW_LINKS = """SELECT step, label AS source, next_label AS target, count(*) AS customers
FROM raw_steps WHERE next_label IS NOT NULL GROUP BY ALL"""
RAW_NODES = "SELECT step, label, count(*) AS customers FROM raw_steps GROUP BY ALL"
RAW_TOP = """WITH p AS (SELECT contact_id, {cols} FROM raw_steps GROUP BY contact_id)
SELECT {names}, count(*) AS customers FROM p GROUP BY ALL
ORDER BY customers DESC, {order} LIMIT 10"""


def raw_run(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, Any]:
    bounds = {"since": SINCE, "until": UNTIL}
    funnel = con.execute(RAW_FUNNEL.format(e=folder / "entries.parquet", **bounds)).fetchall()
    con.execute(RAW_STEPS.format(t=folder / "touchpoints.parquet", steps=STEPS, **bounds))
    names = [f"step_{n}" for n in range(STEPS)]
    cols = ", ".join(f"max(label) FILTER (WHERE step = {n}) AS step_{n}" for n in range(STEPS))
    order = ", ".join(f"{n} ASC NULLS FIRST" for n in names)
    top = con.execute(RAW_TOP.format(cols=cols, names=", ".join(names), order=order)).fetchall()
    return {
        "funnel": {int(f): int(c) for f, c in funnel},
        "links": sorted(con.execute(RAW_LINKS).fetchall()),
        "nodes": sorted(con.execute(RAW_NODES).fetchall()),
        "top": [(tuple(r[:-1]), r[-1]) for r in top],
    }


def ibis_run(
    con: duckdb.DuckDBPyConnection, folder: Path, parts: tuple[str, ...] = ("funnel", "paths")
) -> Any:
    backend = engine.on_duckdb(con)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW entries AS SELECT * FROM read_parquet('{folder / 'entries.parquet'}')"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW touchpoints AS "
        f"SELECT * FROM read_parquet('{folder / 'touchpoints.parquet'}')"
    )
    return run_analytics(
        backend,
        stages=DEFAULT_STAGES,
        entries=ibis.table(metrics.ENTRY_SCHEMA, name="entries"),
        touchpoints=ibis.table(metrics.TOUCHPOINT_SCHEMA, name="touchpoints"),
        since=SINCE,
        until=UNTIL,
        steps=STEPS,
        parts=parts,
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, run: Any, *, runs: int, warmup: int, touchpoints: int) -> Any:
    times: list[float] = []
    result = None
    for index in range(warmup + runs):
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
        if index >= warmup:
            times.append(elapsed)
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"{name:<12} runs={runs} p50={p50:.3f}s p99={p99:.3f}s "
        f"throughput={touchpoints / p50 / 1e6:.1f}M touchpoints/s peak_rss={peak_mb():.0f} MB"
    )
    TIMINGS[name] = (p50, p99)
    return result


#: name -> (p50, p99) seconds of each measured layer, for the suite's figures.
TIMINGS: dict[str, tuple[float, float]] = {}


def record_figure(args: argparse.Namespace, name: str) -> None:
    p50, p99 = TIMINGS[name]
    raw_p50, raw_p99 = TIMINGS["raw duckdb"]
    full = args.contacts >= 1_000_000 and args.touchpoints >= 20_000_000
    record(
        Figure(
            scenario=f"journeys: funnel + paths ({name})",
            unit="touchpoints",
            throughput=args.touchpoints / p50,
            p50_ms=p50 * 1000,
            p99_ms=p99 * 1000,
            peak_mb=peak_mb(),
            baseline_name="raw DuckDB SQL",
            baseline_throughput=args.touchpoints / raw_p50,
            baseline_p99_ms=raw_p99 * 1000,
            target="< 2 s for 1,000,000 contacts / 20,000,000 touchpoints",
            target_met=p99 < 2.0 if full else None,
            details={"contacts": args.contacts, "touchpoints": args.touchpoints},
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--funnel-only", action="store_true", help="time the funnel alone (Ibis), no paths"
    )
    parser.add_argument("--keep", type=Path, default=None, help="generate into / reuse this folder")
    args = parser.parse_args()
    print(
        f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}  threads: {args.threads}"
    )
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-journeys-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "touchpoints.parquet").exists():
            seconds = generate(
                folder,
                contacts=args.contacts,
                touchpoints=args.touchpoints,
                seed=args.seed,
                threads=args.threads,
            )
            print(
                f"generated {args.contacts:,} contacts / {args.touchpoints:,} touchpoints in {seconds:.1f}s"
            )
        sizes = {p.name: p.stat().st_size / 1e6 for p in folder.glob("*.parquet")}
        print("parquet MB:", {k: round(v, 1) for k, v in sizes.items()})
        con = duckdb.connect()
        con.execute(f"SET threads = {args.threads}")
        common = {"runs": args.runs, "warmup": args.warmup, "touchpoints": args.touchpoints}
        if args.funnel_only:
            done = measure("ibis funnel", lambda: ibis_run(con, folder, ("funnel",)), **common)
            print("funnel", [s.reached for s in done.funnel])
            return
        raw = measure("raw duckdb", lambda: raw_run(con, folder), **common)
        result = measure("ibis duckdb", lambda: ibis_run(con, folder), **common)
        con.close()
        funnel = {s.position: s.reached for s in result.funnel}
        raw_reached = {p: sum(c for f, c in raw["funnel"].items() if f >= p) for p in funnel}
        assert funnel == raw_reached, (funnel, raw_reached)
        links = sum(link["value"] for link in result.sankey["links"])
        assert links == sum(r[-1] for r in raw["links"]), "links differ"
        assert [p["customers"] for p in result.top_paths] == [c for _, c in raw["top"]]
        record_figure(args, "ibis duckdb")
        print(
            "results equal: funnel",
            [s.reached for s in result.funnel],
            f"links={links:,}",
            f"nodes={len(result.sankey['nodes'])}",
            f"top path={result.top_paths[0]}",
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
