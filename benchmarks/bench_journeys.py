"""Journey funnel and touchpoint paths over 1,000,000 contacts / 20,000,000 touchpoints (issue
5, target < 2 s): the product's answer (Ibis on DuckDB, `experience/journeys/metrics.py`, the
paths from the path-prefix rollup of ADR 0030) against hand-written DuckDB SQL of the exact
definition in the same run.

    .venv/bin/python -m benchmarks.bench_journeys [--contacts 1000000] [--touchpoints 20000000]
        [--runs 5] [--warmup 1] [--seed 26] [--threads N] [--keep DIR] [--exact-ibis]
        [--incremental 1000000]

Generates deterministic data with DuckDB (hashes of row numbers and `--seed`, no Python loop)
into Parquet, as ADR 0026 stores touchpoints at this scale: touchpoints (contact, channel,
kind, time over 180 days, sentiment on mentions/calls, a 0-10 score on survey answers) and
stage entries (each contact reaches a furthest stage 0-6, one entry per stage, days apart).
Then builds the path-prefix rollup from scratch (`metrics.path_prefixes` → Parquet, timed:
the rebuild) and, per layer, `--warmup` + `--runs` times over the same files: the funnel
(customers per furthest stage → reached, conversion, drop-off) and the paths of the journeys
that started in the window (first 5 steps per customer, repeats collapsed → Sankey nodes and
links and the top 10 paths). Layers: raw SQL of the exact definition (window functions over
every touchpoint), the product on the rollup, and with `--exact-ibis` the product's exact Ibis
definition. Checks that all give the same numbers. Last, the incremental maintenance:
`--incremental` new touchpoints (1 % arriving late, inside customers' history) folded into the
rollup rows with `path_prefix.extend`, and the customers it cannot fold recomputed in one
batch from the touchpoints. Prints wall and CPU seconds (DuckDB's threads included), peak RSS
and the load average before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from benchmarks.results import Figure, record
from cxhub.analytics import engine
from cxhub.experience.journeys import metrics, path_prefix
from cxhub.experience.journeys.analytics import run_analytics
from cxhub.experience.journeys.paths import PREFIX_SCHEMA
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
WITH known AS (
  SELECT contact_id, occurred_at, kind AS label FROM read_parquet('{t}')
  WHERE occurred_at < TIMESTAMP '{until}' AND contact_id IS NOT NULL),
cohort AS (SELECT contact_id FROM known GROUP BY contact_id
           HAVING min(occurred_at) >= TIMESTAMP '{since}'),
w AS (SELECT * FROM known SEMI JOIN cohort USING (contact_id)),
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
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    parts: tuple[str, ...] = ("funnel", "paths"),
    *,
    rollup: bool = True,
) -> Any:
    """The product's answer; paths from the rollup (`rollup=True`) or by the exact Ibis
    definition over every touchpoint."""
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
        prefixes=ibis.table(PREFIX_SCHEMA, name="prefixes") if rollup else None,
    )


def build_rollup(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[float, float, int]:
    """The full rebuild: `metrics.path_prefixes` over every touchpoint into prefixes.parquet;
    answers wall seconds, CPU seconds and rows."""
    backend = engine.on_duckdb(con)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW touchpoints AS "
        f"SELECT * FROM read_parquet('{folder / 'touchpoints.parquet'}')"
    )
    expression = metrics.path_prefixes(ibis.table(metrics.TOUCHPOINT_SCHEMA, name="touchpoints"))
    wall, cpu = time.perf_counter(), time.process_time()
    con.execute(
        f"COPY ({backend.compile(expression)}) TO '{folder / 'prefixes.parquet'}' "
        "(FORMAT PARQUET, COMPRESSION ZSTD)"
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{folder / 'prefixes.parquet'}')")
    found = rows.fetchone()
    con.execute(
        "CREATE OR REPLACE TEMP VIEW prefixes AS "
        f"SELECT * FROM read_parquet('{folder / 'prefixes.parquet'}')"
    )
    return wall, cpu, int(found[0]) if found else 0


def _prefix_of(row: dict[str, Any]) -> path_prefix.PathPrefix:
    steps = tuple(
        path_prefix.Step(row[f"step_{n}"], row[f"step_{n}_at"]) for n in range(row["step_count"])
    )
    return path_prefix.PathPrefix(steps, row["last_at"], row["last_label"])


def incremental(
    con: duckdb.DuckDBPyConnection, folder: Path, *, count: int, contacts: int, seed: int
) -> dict[str, float]:
    """Fold `count` new touchpoints into the rollup rows of their customers: 99 % after the
    data's end (the path grows forward), 1 % late, at a random moment of the 180 days (inside
    the history). Customers the fold cannot answer are recomputed in one batch by
    `metrics.path_prefixes` over their touchpoints (old and new)."""
    rng = random.Random(seed)
    kinds = sorted(set(KINDS))
    end = datetime(2026, 6, 30)
    new: list[tuple[int, datetime, str]] = []
    for _ in range(count):
        late = rng.random() < 0.01
        at = (
            SINCE + timedelta(seconds=rng.randint(0, 15_552_000))
            if late
            else end + timedelta(seconds=rng.randint(0, 86_400))
        )
        new.append((rng.randint(1, contacts), at, rng.choice(kinds)))
    wall, cpu = time.perf_counter(), time.process_time()
    touched = sorted({c for c, _, _ in new})
    con.execute("CREATE OR REPLACE TEMP TABLE touched AS SELECT unnest(?) AS contact_id", [touched])
    rows = con.sql("SELECT * FROM prefixes SEMI JOIN touched USING (contact_id)")
    rows = rows.to_arrow_table().to_pylist()
    read_wall = time.perf_counter() - wall
    prefixes = {row["contact_id"]: _prefix_of(row) for row in rows}
    again: set[int] = set()
    changed = 0
    for contact_id, at, label in sorted(new):
        if contact_id in again:
            continue
        before = prefixes.get(contact_id)
        after = (
            path_prefix.start(at, label)
            if before is None
            else path_prefix.extend(before, at, label)
        )
        if after is None:
            again.add(contact_id)
        elif after != before:
            prefixes[contact_id] = after
            changed += 1
    fold_wall = time.perf_counter() - wall - read_wall
    recompute_started = time.perf_counter()
    if again:
        backend = engine.on_duckdb(con)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE again AS SELECT unnest(?) AS contact_id", [sorted(again)]
        )
        fresh = [(c, at, k) for c, at, k in new if c in again]
        con.register(
            "fresh",
            pa.table(
                {
                    "contact_id": pa.array([c for c, _, _ in fresh], pa.int64()),
                    "occurred_at": pa.array([at for _, at, _ in fresh], pa.timestamp("us")),
                    "kind": pa.array([k for _, _, k in fresh], pa.string()),
                }
            ),
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW recompute_input AS "
            "SELECT contact_id, channel, kind, occurred_at, sentiment, score FROM touchpoints "
            "SEMI JOIN again USING (contact_id) UNION ALL "
            "SELECT contact_id, NULL, kind, occurred_at, NULL, NULL FROM fresh"
        )
        expression = metrics.path_prefixes(
            ibis.table(metrics.TOUCHPOINT_SCHEMA, name="recompute_input")
        )
        recomputed = con.sql(str(backend.compile(expression))).to_arrow_table().num_rows
        assert recomputed == len(again)
    recompute_wall = time.perf_counter() - recompute_started
    total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {
        "touchpoints": float(count),
        "customers": float(len(touched)),
        "changed": float(changed),
        "recomputed": float(len(again)),
        "read_s": read_wall,
        "fold_s": fold_wall,
        "recompute_s": recompute_wall,
        "wall_s": total_wall,
        "cpu_s": total_cpu,
    }
    print(
        f"incremental  {count:,} touchpoints for {len(touched):,} customers: "
        f"{changed:,} rows changed, {len(again):,} recomputed; read {read_wall:.2f}s "
        f"fold {fold_wall:.2f}s ({count / max(fold_wall, 1e-9):,.0f} touchpoints/s) "
        f"recompute {recompute_wall:.2f}s; total wall {total_wall:.2f}s cpu {total_cpu:.2f}s"
    )
    return figures


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, run: Any, *, runs: int, warmup: int, touchpoints: int) -> Any:
    times: list[float] = []
    cpu: list[float] = []
    result = None
    for index in range(warmup + runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = run()
        elapsed = time.perf_counter() - started
        if index >= warmup:
            times.append(elapsed)
            cpu.append(time.process_time() - cpu_started)
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"{name:<12} runs={runs} p50={p50:.3f}s p99={p99:.3f}s "
        f"cpu p50={statistics.median(cpu):.3f}s "
        f"throughput={touchpoints / p50 / 1e6:.1f}M touchpoints/s peak_rss={peak_mb():.0f} MB"
    )
    TIMINGS[name] = (p50, p99)
    return result


#: name -> (p50, p99) seconds of each measured layer, for the suite's figures.
TIMINGS: dict[str, tuple[float, float]] = {}


def record_figure(args: argparse.Namespace, name: str, *, rollup_seconds: float) -> None:
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
            details={
                "contacts": args.contacts,
                "touchpoints": args.touchpoints,
                "rollup_build_s": round(rollup_seconds, 2),
            },
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
    parser.add_argument(
        "--exact-ibis", action="store_true", help="also time the exact Ibis paths (slow)"
    )
    parser.add_argument(
        "--paths-only", action="store_true", help="time the rollup's paths alone (Ibis)"
    )
    parser.add_argument(
        "--incremental", type=int, default=None, help="new touchpoints to fold in (default 5 %%)"
    )
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
        if args.paths_only:  # the rollup's paths alone (the rollup must exist: --keep)
            if not (folder / "prefixes.parquet").exists():
                build_rollup(con, folder)
            con.execute(
                "CREATE OR REPLACE TEMP VIEW prefixes AS "
                f"SELECT * FROM read_parquet('{folder / 'prefixes.parquet'}')"
            )
            done = measure("rollup paths", lambda: ibis_run(con, folder, ("paths",)), **common)
            print("top path", done.top_paths[0])
            return
        wall, cpu, rows = build_rollup(con, folder)
        print(f"rollup build {rows:,} customers in {wall:.1f}s wall, {cpu:.1f}s cpu")
        raw = measure("raw duckdb", lambda: raw_run(con, folder), **common)
        result = measure("ibis rollup", lambda: ibis_run(con, folder), **common)
        layers = [result]
        if args.exact_ibis:
            exact_run = measure("ibis exact", lambda: ibis_run(con, folder, rollup=False), **common)
            layers.append(exact_run)
        for done in layers:
            funnel = {s.position: s.reached for s in done.funnel}
            raw_reached = {p: sum(c for f, c in raw["funnel"].items() if f >= p) for p in funnel}
            assert funnel == raw_reached, (funnel, raw_reached)
            links = sum(link["value"] for link in done.sankey["links"])
            assert links == sum(r[-1] for r in raw["links"]), "links differ"
            assert [(tuple(p["steps"]), p["customers"]) for p in done.top_paths] == [
                (tuple(s for s in steps if s is not None), c) for steps, c in raw["top"]
            ], "top paths differ"
            assert done.sankey == layers[0].sankey
        record_figure(args, "ibis rollup", rollup_seconds=wall)
        incremental(
            con,
            folder,
            count=args.incremental or max(1, args.touchpoints // 20),
            contacts=args.contacts,
            seed=args.seed,
        )
        con.close()
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
