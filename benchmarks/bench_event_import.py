"""How fast `cxhub import events` loads usage events from files, against bare DuckDB.

    .venv/bin/python -m benchmarks.bench_event_import [--events 10000000] [--formats ndjson,parquet]
                                                      [--keep DIR]

Generates `--events` Segment-shaped records with DuckDB (90 % track, 9 % page, 1 % identify,
0.1 % group; ~320 bytes of NDJSON each; 500,000 users, 100,000 groups, 60 event days), writes them
as NDJSON, and the same records as Parquet (what the baseline writes). Then, each in a fresh child
process (so each peak RSS is its own):

- **baseline**: `COPY (SELECT * FROM read_json(FILE)) TO 'x.parquet' (FORMAT PARQUET)` in a bare
  DuckDB connection: what reading the JSON and writing Parquet cost alone on this machine now;
- **import**: `success.usage.bulk_import.import_event_files` into a fresh SQLite cxhub (identity
  resolution through the customers import included), per format, then the same import again
  (idempotence: nothing new is written).

Prints events/s, the time of each phase, the peak RSS and the ratio to the baseline, with the
1-minute load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.results import Figure, record

GENERATE = """
COPY (
SELECT
  CASE WHEN i % 100 = 7 THEN 'identify' WHEN i % 1000 = 3 THEN 'group'
       WHEN i % 10 = 5 THEN 'page' ELSE 'track' END AS type,
  'm-' || md5(i::VARCHAR) AS messageId,
  'u' || (hash(i) % 500000)::VARCHAR AS userId,
  CASE WHEN i % 100 = 7 OR i % 1000 = 3 THEN NULL WHEN i % 10 = 5 THEN NULL
       ELSE 'Feature ' || (i % 40)::VARCHAR END AS event,
  CASE WHEN i % 10 = 5 THEN 'Dashboard' END AS name,
  CASE WHEN i % 1000 = 3 THEN 'acct-' || (hash(i * 7) % 100000)::VARCHAR END AS groupId,
  strftime(TIMESTAMP '2026-09-01' + to_seconds((i * 7919) % (86400 * 60)),
           '%Y-%m-%dT%H:%M:%S.000Z') AS timestamp,
  CASE WHEN i % 100 = 7 OR i % 1000 = 3 THEN NULL
       ELSE {'plan': 'pro', 'count': (i % 13)::INT, 'path': '/app/reports/' || (i % 97)::VARCHAR}
  END AS properties,
  CASE WHEN i % 100 = 7 THEN {'email': 'u' || (hash(i) % 500000)::VARCHAR || '@example.com',
                              'name': 'User ' || (i % 1000)::VARCHAR, 'seats': NULL}
       WHEN i % 1000 = 3 THEN {'email': NULL, 'name': 'Account ' || (hash(i * 7) % 100000)::VARCHAR,
                               'seats': (i % 50)::INT}
  END AS traits,
  {'library': {'name': 'analytics-python', 'version': '2.3.0'},
   'ip': '10.0.' || (i % 255)::VARCHAR || '.1'} AS context
FROM range({events}) t(i)
) TO '{target}' (FORMAT JSON)
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, events: int) -> tuple[Path, Path]:
    import duckdb

    ndjson, parquet = folder / "events.ndjson", folder / "events.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            GENERATE.replace("{events}", str(events)).replace("{target}", str(ndjson))
        )
        connection.execute(
            f"COPY (SELECT * FROM read_json('{ndjson}')) TO '{parquet}' (FORMAT PARQUET)"
        )
    return ndjson, parquet


def child_baseline(source: Path, target: Path) -> dict[str, Any]:
    import duckdb

    started = time.perf_counter()
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT * FROM read_json('{source}')) TO '{target}' (FORMAT PARQUET)"
        )
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def _settings(data_dir: Path) -> Any:
    from cxhub.core.settings import Settings

    return Settings(
        environment="development",
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",  # noqa: S106
        scheduler=False,
    )


def child_import(
    data_dir: Path,
    sources: list[Path],
    kind: str,
    runs: int,
    memory_limit: str | None,
    slug: str = "bench",
) -> dict[str, Any]:
    """Import `sources` `runs` times into a new workspace `slug` of the cxhub in `data_dir`
    (`bench_under_traffic` imports into a database that already holds other workspaces)."""
    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.people import service as people
    from cxhub.success.usage import service as usage
    from cxhub.success.usage.bulk_import import (
        IdentityCall,
        RejectedEvent,
        connect,
        import_event_files,
    )
    from cxhub.success.usage.import_checks import EventFileFormat
    from cxhub.success.usage.import_identity import resolve_identity

    settings = _settings(data_dir)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    results: list[dict[str, Any]] = []
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace_id = people.create_workspace(session, slug=slug, name=slug.title()).id
        factory = runtime.session_factory

        def inbox_ids(start: datetime, end: datetime) -> list[str]:
            with unit_of_work(factory, workspace_id) as session:
                return usage.inbox_message_ids(session, start=start, end=end)

        def identity(calls: list[IdentityCall]) -> list[RejectedEvent]:
            return resolve_identity(factory, workspace_id=workspace_id, calls=calls)

        for _ in range(runs):
            with connect(temp_dir=data_dir / "tmp", memory_limit=memory_limit) as connection:
                report = import_event_files(
                    connection,
                    sources,
                    kind=EventFileFormat(kind),
                    workspace_id=workspace_id,
                    data_dir=data_dir,
                    inbox_ids=inbox_ids,
                    resolve_identity=identity,
                    received_at=datetime.now(UTC),
                )
            results.append(
                {
                    "read": report.read,
                    "written": report.written,
                    "already_stored": report.already_stored,
                    "rejected": report.rejected,
                    "identify": report.identify_calls,
                    "group": report.group_calls,
                    "files": len(report.files),
                    "seconds": report.seconds,
                }
            )
    finally:
        runtime.close()
    return {"runs": results, "peak_mb": _peak_mb()}


def _child(arguments: list[str]) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603 - this script, with its own arguments
        [sys.executable, "-m", "benchmarks.bench_event_import", "--child", *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--formats", default="ndjson,parquet")
    parser.add_argument("--keep", type=Path, help="Generate into (or reuse) this folder.")
    parser.add_argument("--runs", type=int, default=2, help="Imports per format (2: re-run).")
    parser.add_argument("--memory-limit", help="DuckDB memory limit of the import, e.g. 2GB.")
    parser.add_argument("--no-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "baseline":
            result = child_baseline(Path(rest[0]), Path(rest[1]))
        else:
            limit = rest[4] if len(rest) > 4 and rest[4] != "-" else None
            result = child_import(Path(rest[0]), [Path(rest[1])], rest[2], int(rest[3]), limit)
        print(json.dumps(result))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cxhub-bench-events-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        ndjson, parquet = folder / "events.ndjson", folder / "events.parquet"
        if not (ndjson.exists() and parquet.exists()):
            started = time.perf_counter()
            generate(folder, args.events)
            print(f"generated {args.events:,} events in {time.perf_counter() - started:.1f} s")
        size = ndjson.stat().st_size
        print(
            f"NDJSON {size / 1e9:.2f} GB ({size / args.events:.0f} bytes/event), "
            f"Parquet {parquet.stat().st_size / 1e9:.2f} GB; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        baseline = _child(["baseline", str(ndjson), str(folder / "baseline.parquet")])
        base_rate = args.events / baseline["seconds"]
        print(
            f"baseline  COPY read_json -> parquet: {baseline['seconds']:.1f} s, "
            f"{base_rate:,.0f} events/s, peak RSS {baseline['peak_mb']:,.0f} MB "
            f"(load {os.getloadavg()[0]:.1f})"
        )
        for kind in args.formats.split(","):
            source = ndjson if kind == "ndjson" else parquet
            store = folder / f"store-{kind}"
            shutil.rmtree(store, ignore_errors=True)
            result = _child(
                ["import", str(store), str(source), kind, str(args.runs), args.memory_limit or "-"]
            )
            first, again = result["runs"][0], result["runs"][-1]
            seconds = first["seconds"]["total"]
            rate = first["read"] / seconds
            phases = ", ".join(
                f"{k} {v:.1f} s" for k, v in first["seconds"].items() if k != "total"
            )
            print(
                f"import {kind:8s}: {seconds:.1f} s, {rate:,.0f} events/s "
                f"({rate / base_rate:.2f}× the baseline), peak RSS {result['peak_mb']:,.0f} MB "
                f"(load {os.getloadavg()[0]:.1f})\n"
                f"   {phases}\n"
                f"   read {first['read']:,}, written {first['written']:,} in {first['files']} "
                f"files, rejected {first['rejected']:,}, identify {first['identify']:,}, "
                f"group {first['group']:,}"
                + (
                    f"\n   again: {again['seconds']['total']:.1f} s, written "
                    f"{again['written']:,}, already stored {again['already_stored']:,}"
                    if len(result["runs"]) > 1
                    else ""
                )
            )
            record(
                Figure(
                    scenario=f"ingest: bulk import of {kind} event files",
                    unit="events",
                    throughput=rate,
                    seconds=seconds,
                    peak_mb=result["peak_mb"],
                    baseline_name="bare DuckDB COPY read_json -> Parquet",
                    baseline_throughput=base_rate,
                    baseline_seconds=baseline["seconds"],
                    target=">= 500,000 events/s",
                    target_met=rate >= 500_000 and first["written"] + first["rejected"] > 0,
                    details={"events": args.events, "written": first["written"],
                             "again_written": again["written"]},
                )
            )  # fmt: skip
            shutil.rmtree(store, ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
