"""Do the success targets hold while agents use the product? Each job alone, then under traffic.

    .venv/bin/python -m benchmarks.bench_under_traffic [--accounts 100000] [--events 10000000]
        [--ingest-events 100000] [--import-events 2000000] [--traffic-rate 50]
        [--traffic-seconds 20] [--data-dir DIR] [--workers 1] [--only ingest,import,rescore]

Builds (once; `--data-dir DIR` keeps and reuses it, in the layout of `bench_rescore --data-dir`,
so either benchmark can reuse what the other built) the rescore data of `bench_rescore`:
`--accounts` accounts and `--events` usage events in a SQLite cxhub. The full size takes minutes
to build (about 3 min for 100,000 accounts / 10M events on 2 busy cores). Every run then copies
that folder, so a run never depends on an earlier one, adds the agents' workspace to the copy
(`soak.prepare`: admin token, write key, mailbox, contacts, tickets) and starts `cxhub serve` on
it (`soak.serving`, SQLite defaults, `--workers` web processes; its scheduler off, or its first tick would start the daily
rescore of the big workspace by itself). **The server, the ingestion, the import and the rescore
all use the same SQLite file and the same event store**: the traffic competes for the same
database locks as well as for the CPU.

Three jobs, each measured alone and then while agent traffic runs:

- ingestion: `--ingest-events` track calls through `/v1/batch` of that server
  (`bench_tracking.make_bodies` + `run_load`, 4 client threads); target >= 20,000 events/s;
- bulk import: `--import-events` Segment-shaped NDJSON events (`bench_event_import.generate`)
  imported into a new workspace of the same installation (`bench_event_import.child_import`, in a
  child process); target >= 500,000 events/s;
- rescore: `rescore_workspace` of the big workspace plus churn scoring of every account
  (`bench_rescore.churn_scoring`: trained once as setup, scoring timed), as `bench_rescore` counts
  it; after one untimed warm-up rescore; target < 10 s at 100,000 accounts / 10M events.

The traffic is the `soak.MIX` of agent calls (ticket list and reads, contact search, timeline,
new tickets, notes, updates, small `/v1/batch` batches, inbound mail) sent **open loop** at a fixed
`--traffic-rate` from a second process (`--traffic-clients` connections at most), so every run
offers the same load whatever the server does. Its latency counts from the moment a request was
due, so queueing behind a slow server shows. The traffic is measured alone for
`--traffic-seconds` and during each job; the job starts 2 s after the traffic.

Prints, per job, the figure alone and under traffic, their ratio and whether the target holds in
each case, with wall and CPU seconds (the server's CPU for ingestion, the importing process's for
the import, this process's for the rescore), and the traffic's throughput and p50/p99 during the
job against the traffic alone; the load average is printed with each (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from benchmarks import bench_event_import, bench_rescore, bench_tracking, light_http
from benchmarks.results import Figure, record
from benchmarks.soak import MIX, Installation, prepare, serving

LEAD_IN_SECONDS = 2.0
SERVER_ENV = {"CXHUB_SCHEDULER": "off"}
INGEST_TARGET, IMPORT_TARGET, RESCORE_TARGET = 20_000.0, 500_000.0, 10.0
# The sizes the success issue states the import and rescore targets for.
IMPORT_SIZE = 10_000_000
SIZES = {"import": "10,000,000 events", "rescore": "100,000 accounts / 10M events"}
# The MIX calls that only read; the others write to the database (tickets, notes, events, mail).
READS = frozenset({"tickets", "ticket", "search", "timeline"})
SHARED = "same SQLite file and event store as the server"
# (kind, due, started, finished, error): monotonic seconds, comparable across processes.
Sent = tuple[str, float, float, float, str | None]


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def traffic(
    base_url: str,
    installation: Installation,
    rate: float,
    clients: int,
    seed: int,
    first: int,
    stop: Any,
    out: Any,
) -> None:
    """Child process: one `MIX` call every 1/`rate` s until `stop` is set, each on a pool of
    `clients` threads (open loop: a slow answer does not delay the next call). The same seed
    gives every run the same calls; `first` numbers them (message ids) apart from other runs'."""
    rng = random.Random(seed)
    kinds, weights = [m[0] for m in MIX], [m[2] for m in MIX]
    calls = {m[0]: m[1] for m in MIX}
    local = threading.local()
    opened: list[light_http.Client] = []
    sent: list[Sent] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {installation.token}"}

    def one(kind: str, number: int, due: float, call_seed: int) -> None:
        if not hasattr(local, "client"):
            local.client = light_http.Client(base_url, headers=headers, timeout=60)
            with lock:
                opened.append(local.client)
        started = time.monotonic()
        error: str | None = None
        try:
            response, expected = calls[kind](local.client, random.Random(call_seed), installation,
                                              number)  # fmt: skip
            if response.status_code != expected:
                error = f"{response.status_code}: {response.text[:200]}"
        except light_http.TransportError as exc:
            error = repr(exc)
        with lock:
            sent.append((kind, due, started, time.monotonic(), error))

    with ThreadPoolExecutor(clients) as pool:
        start, number = time.monotonic(), 0
        while True:
            due = start + number / rate
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            kind, call_seed = rng.choices(kinds, weights)[0], rng.randrange(2**32)
            pool.submit(one, kind, first + number, due, call_seed)
            number += 1
    for client in opened:
        client.close()
    out.put(sent)


class Traffic:
    """The agent traffic in a second process, started and stopped around a job."""

    runs = 0

    def __init__(self, base_url: str, installation: Installation, args: argparse.Namespace):
        Traffic.runs += 1
        context = multiprocessing.get_context("spawn")
        self.stop, self.out = context.Event(), context.Queue()
        self.process = context.Process(
            target=traffic,
            args=(base_url, installation, args.traffic_rate, args.traffic_clients, args.seed,
                  Traffic.runs * 10**7, self.stop, self.out),
        )  # fmt: skip

    def __enter__(self) -> Traffic:
        self.process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive():
            self.stop.set()
            self.process.kill()

    def finish(self) -> list[Sent]:
        """Stop the traffic and collect its calls (fails at once if the process died)."""
        self.stop.set()
        deadline = time.monotonic() + 300
        while True:
            try:
                sent: list[Sent] = self.out.get(timeout=1)
                break
            except queue.Empty:
                if not self.process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the traffic process ended: {self.process.exitcode}"
                    ) from None
        self.process.join(timeout=60)
        return sent


def traffic_figures(label: str, sent: list[Sent], start: float, end: float) -> dict[str, float]:
    """The calls due in [start, end): completed per second, latency from the due time."""
    inside = [s for s in sent if start <= s[1] < end]
    latencies = sorted(s[3] - s[1] for s in inside)
    seconds = end - start
    figures = {
        "per_second": sum(1 for s in sent if start <= s[3] < end) / seconds,
        "p50_ms": _percentile(latencies, 0.5) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "requests": float(len(inside)),
        "errors": float(sum(1 for s in inside if s[4] is not None)),
        "seconds": seconds,
    }
    for side, reading in (("reads", True), ("writes", False)):
        mine = [s for s in inside if (s[0] in READS) == reading]
        figures[f"{side}_p99_ms"] = _percentile(sorted(s[3] - s[1] for s in mine), 0.99) * 1000
        # From the moment the call was sent: without the wait for one of the connections.
        served = sorted(s[3] - s[2] for s in mine)
        figures[f"{side}_served_p99_ms"] = _percentile(served, 0.99) * 1000
    example = next((f"{s[0]} {s[4]}" for s in inside if s[4] is not None), "")
    print(
        f"  traffic {label}: {len(inside)} calls due in {seconds:.1f} s, completed "
        f"{figures['per_second']:.1f}/s, p50 {figures['p50_ms']:.1f} ms, p99 "
        f"{figures['p99_ms']:.1f} ms (reads {figures['reads_p99_ms']:.0f}, writes "
        f"{figures['writes_p99_ms']:.0f}; from sending: reads "
        f"{figures['reads_served_p99_ms']:.0f}, writes {figures['writes_served_p99_ms']:.0f}), "
        f"errors {int(figures['errors'])} {example[:160]}"
    )
    return figures


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process and its children (uvicorn's web
    workers), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        total += sum(_cpu_of(int(child)) for child in children.read_text().split())
    return total


def build(folder: Path, accounts: int, events: int, seed: int) -> int:
    """The rescore data of `bench_rescore` in `folder` (reused when already there)."""
    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.people import service as people

    marker = folder / "bench-rescore.json"
    sizes = {"accounts": accounts, "events": events, "seed": seed}
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["sizes"] != sizes:
            raise SystemExit(
                f"{folder} holds {built['sizes']}, not {sizes}: use another --data-dir"
            )
        print(f"reusing the rescore data in {folder}")
        return int(built["workspace_id"])
    settings = bench_rescore._settings(folder)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    try:
        started = time.perf_counter()
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace_id = people.create_workspace(session, slug="bench", name="Bench").id
        bench_rescore.load(runtime, workspace_id, accounts, seed)
    finally:
        runtime.close()
    bench_rescore.write_events(folder, workspace_id, accounts, events)
    marker.write_text(json.dumps({"sizes": sizes, "workspace_id": workspace_id}))
    print(
        f"built {accounts:,} accounts / {events:,} events in {time.perf_counter() - started:.0f} s"
    )
    return workspace_id


def ingest_job(
    base_url: str, write_key: str, events: int, pid: int
) -> Callable[[], dict[str, Any]]:
    """Ingestion with its bodies encoded now, before the clock (and the traffic) starts."""
    bodies = bench_tracking.make_bodies(events, 100)
    return lambda: ingest(base_url, write_key, bodies, events, pid)


def ingest(
    base_url: str, write_key: str, bodies: list[bytes], events: int, pid: int
) -> dict[str, Any]:
    cpu = _cpu_of(pid)
    result = bench_tracking.run_load(f"{base_url}/v1/batch", (write_key, ""), bodies, clients=4)
    return {"rate": events / result["seconds"], "seconds": result["seconds"],
            "cpu": _cpu_of(pid) - cpu, "p99_ms": result["p99_ms"],
            "ok": result["failed"] == 0,
            "note": f"server CPU, the traffic's share included; failed {result['failed']}"}  # fmt: skip


def import_child(run_dir: Path, source: Path, slug: str) -> dict[str, Any]:
    """In the importing child process: `bench_event_import.child_import` and its CPU seconds
    (all its threads, DuckDB's included; the interpreter's start-up excluded), with the
    kernel's share of them (`system`: page faults of fresh memory show there)."""
    before = os.times()
    result = bench_event_import.child_import(run_dir, [source], "ndjson", 1, None, slug=slug)
    after = os.times()
    user, system = after.user - before.user, after.system - before.system
    return {**result, "cpu": user + system, "system": system}


def bulk_import(run_dir: Path, source: Path, slug: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result = pool.apply(import_child, (run_dir, source, slug))
    first = result["runs"][0]
    seconds = first["seconds"]["total"]
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in first["seconds"].items() if k != "total")
    return {"rate": first["read"] / seconds, "seconds": seconds, "cpu": result["cpu"],
            "ok": first["written"] > 0,
            "note": f"CPU of the importing process, {result['system']:.1f} s of it in the kernel; "
                    f"written {first['written']:,}; {phases}"}  # fmt: skip


def rescore(run_dir: Path, workspace_id: int, seed: int) -> dict[str, Any]:
    from cxhub.analytics.health_inputs import account_inputs
    from cxhub.core.db import unit_of_work, workspace_session_info
    from cxhub.core.runtime import build_runtime
    from cxhub.success.health.rescore import rescore_workspace

    runtime = build_runtime(bench_rescore._settings(run_dir))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        # As the `health.rescore` job does: inputs from a read-only session (ADR 0035), the
        # scores committed a chunk at a time (ADR 0040).
        with (
            runtime.reading(workspace_session_info(workspace_id)) as reader,
            unit_of_work(runtime.session_factory, workspace_id) as session,
        ):
            summary = rescore_workspace(
                session, workspace_id=workspace_id, as_of=bench_rescore.AS_OF, data_dir=run_dir,
                reader=reader, between_chunks=session.commit,
            )  # fmt: skip
        health, health_cpu = time.perf_counter() - started, time.process_time() - cpu
        # The churn features are reads too: a read-only session, no write lock held meanwhile.
        with runtime.reading(workspace_session_info(workspace_id)) as reader:
            inputs = account_inputs(
                reader, workspace_id=workspace_id, as_of=bench_rescore.AS_OF, data_dir=run_dir
            )
        churn = bench_rescore.churn_scoring(inputs, seed)
    finally:
        runtime.close()
    seconds = health + churn["score"]
    return {"rate": summary.scored / seconds, "seconds": seconds, "cpu": health_cpu,
            "ok": summary.scored > 0,
            "note": f"CPU of the health phase; health {health:.2f} s + churn scoring "
                    f"{churn['score']:.2f} s"}  # fmt: skip


def measure(
    name: str, job: Callable[[], dict[str, Any]], under: Traffic | None
) -> tuple[dict[str, Any], list[Sent], float, float]:
    """Run `job` once, alone or `under` traffic (started `LEAD_IN_SECONDS` before the job)."""
    with ExitStack() as stack:
        if under is not None:
            stack.enter_context(under)
            time.sleep(LEAD_IN_SECONDS)
        load_before = _load()
        start = time.monotonic()
        result = job()
        end = time.monotonic()
        sent = under.finish() if under is not None else []
    print(
        f"{name} {'under traffic' if under else 'alone':>13}: {result['rate']:12,.0f}/s  "
        f"{result['seconds']:7.2f} s wall  {result['cpu']:7.2f} s CPU  ({result['note']}; "
        f"load {load_before} -> {_load()})",
        flush=True,
    )
    return result, sent, start, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000, help="events of the rescore")
    parser.add_argument("--ingest-events", type=int, default=100_000)
    parser.add_argument("--import-events", type=int, default=2_000_000)
    parser.add_argument("--traffic-rate", type=float, default=50.0, help="agent calls per second")
    parser.add_argument("--traffic-clients", type=int, default=8, help="connections at most")
    parser.add_argument("--traffic-seconds", type=float, default=20.0)
    parser.add_argument("--contacts", type=int, default=200, help="of the agents' workspace")
    parser.add_argument("--tickets", type=int, default=50, help="of the agents' workspace")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="build the data here once and reuse it")
    parser.add_argument("--workers", type=int, default=1, help="web worker processes")
    parser.add_argument(
        "--only", default="ingest,import,rescore", help="the jobs to measure (comma-separated)"
    )
    args = parser.parse_args()
    full = args.accounts >= 100_000 and args.events >= 10_000_000
    base = args.data_dir or Path(tempfile.mkdtemp(prefix="cxhub-bench-under-traffic-"))
    base.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="cxhub-bench-under-traffic-run-"))
    shutil.rmtree(run_dir)
    try:
        print(f"{os.cpu_count()} CPUs, load average {_load()}", flush=True)
        workspace_id = build(base, args.accounts, args.events, args.seed)
        source_dir = base / f"import-{args.import_events}"
        if "import" in args.only.split(",") and not (source_dir / "events.ndjson").exists():
            source_dir.mkdir(exist_ok=True)
            bench_event_import.generate(source_dir, args.import_events)
        source = source_dir / "events.ndjson"
        shutil.copytree(base, run_dir, ignore=shutil.ignore_patterns("import-*"))
        installation = prepare(run_dir, contacts=args.contacts, tickets=args.tickets)
        with serving(run_dir, workers=args.workers, env_extra=SERVER_ENV) as (server, base_url):
            run(args, installation, server.pid, base_url, run_dir, source, workspace_id, full)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        if args.data_dir is None:
            shutil.rmtree(base, ignore_errors=True)


def warm_up(
    base_url: str, installation: Installation, rounds: int = 3, connections: int = 8
) -> None:
    """Each call of the mix a few times before anything is measured: a fresh server builds its
    routes' handlers and caches (and loads its language models) on their first requests, which
    on a loaded machine can stall the first seconds of traffic. Several connections at once,
    so that every worker process is warmed, not only the one a single connection reaches."""
    headers = {"Authorization": f"Bearer {installation.token}"}

    def one_connection(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            for number in range(rounds):
                for _, call, _ in MIX:
                    call(client, rng, installation, 10**9 + index * rounds + number)

    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(one_connection, range(connections)))


def run(
    args: argparse.Namespace,
    installation: Installation,
    pid: int,
    base_url: str,
    run_dir: Path,
    source: Path,
    workspace_id: int,
    full: bool,
) -> None:
    print(
        f"agent traffic: soak.MIX open loop at {args.traffic_rate:g} calls/s from a second "
        f"process; every job on the {SHARED}; server scheduler off"
    )
    warm_up(base_url, installation)
    with Traffic(base_url, installation, args) as alone:
        time.sleep(LEAD_IN_SECONDS + args.traffic_seconds)
        sent = alone.finish()
    now = max(s[1] for s in sent)
    quiet = traffic_figures("alone", sent, now - args.traffic_seconds, now)
    record(
        Figure(scenario=f"under traffic: agent mix at {args.traffic_rate:g}/s alone",
               unit="requests", throughput=quiet["per_second"], p50_ms=quiet["p50_ms"],
               p99_ms=quiet["p99_ms"], details={"errors": quiet["errors"]})
    )  # fmt: skip
    chosen = set(args.only.split(","))
    if "rescore" in chosen:
        rescore(run_dir, workspace_id, args.seed)  # warm-up: page cache, imports, today's scores
    # Each entry makes its job (the n-th run of it: 0 alone, 1 under traffic), ready to time.
    jobs: list[tuple[str, str, str, float, bool, Callable[[int], Callable[[], dict[str, Any]]]]] = [
        ("ingest", "ingest /v1/batch", "events", INGEST_TARGET, True,
         lambda n: ingest_job(base_url, installation.write_key, args.ingest_events, pid)),
        ("import", "bulk import", "events", IMPORT_TARGET, args.import_events >= IMPORT_SIZE,
         lambda n: lambda: bulk_import(run_dir, source, f"import-{n}")),
        ("rescore", "rescore health + churn", "accounts", RESCORE_TARGET, full,
         lambda n: lambda: rescore(run_dir, workspace_id, args.seed)),
    ]  # fmt: skip
    for key, name, unit, target, applies, make_job in jobs:
        if key not in chosen:
            continue
        result, _, _, _ = measure(name, make_job(0), None)
        busy = make_job(1)
        loaded, sent, start, end = measure(name, busy, Traffic(base_url, installation, args))
        during = traffic_figures(f"during {name}", sent, start, end)
        rescoring = unit == "accounts"
        held = [
            (r["seconds"] < target if rescoring else r["rate"] >= target) and r["ok"]
            for r in (result, loaded)
        ]
        goal = f"< {target:g} s" if rescoring else f">= {target:,.0f} {unit}/s"
        verdict = ("held" if held[0] else "NOT held", "held" if held[1] else "NOT held")
        scope = "" if applies else f" (the target is for {SIZES[key]}; not judged here)"
        print(
            f"  {name}: under traffic {loaded['rate'] / result['rate']:.2f}x the throughput "
            f"alone; traffic p99 {during['p99_ms'] / max(quiet['p99_ms'], 1e-9):.2f}x its p99 "
            f"alone; target {goal}: alone {verdict[0]}, under traffic {verdict[1]}{scope}",
            flush=True,
        )
        details = {"shares": SHARED, "traffic_rate": args.traffic_rate, "workers": args.workers}
        for label, figures, met in (("alone", result, held[0]), ("under traffic", loaded, held[1])):
            record(
                Figure(scenario=f"under traffic: {name} {label}", unit=unit,
                       throughput=figures["rate"], seconds=figures["seconds"],
                       p99_ms=figures.get("p99_ms"),
                       baseline_name="the same job alone" if label != "alone" else None,
                       baseline_throughput=result["rate"] if label != "alone" else None,
                       target=goal, target_met=met if applies else None,
                       details={**details, "cpu_s": round(figures["cpu"], 2)})
            )  # fmt: skip
        record(
            Figure(scenario=f"under traffic: agent mix at {args.traffic_rate:g}/s during {name}",
                   unit="requests", throughput=during["per_second"], p50_ms=during["p50_ms"],
                   p99_ms=during["p99_ms"], baseline_name="the agent mix alone",
                   baseline_throughput=quiet["per_second"], baseline_p99_ms=quiet["p99_ms"],
                   details={"errors": during["errors"], "shares": SHARED,
                            "reads_p99_ms": round(during["reads_p99_ms"], 1),
                            "writes_p99_ms": round(during["writes_p99_ms"], 1),
                            "reads_served_p99_ms": round(during["reads_served_p99_ms"], 1),
                            "writes_served_p99_ms": round(during["writes_served_p99_ms"], 1)})
        )  # fmt: skip
    print(f"load average (1, 5, 15 min): {_load()}")


if __name__ == "__main__":
    main()
