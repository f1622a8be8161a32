"""How many usage events per second `/v1/batch` stores, and how fast compaction writes Parquet.

    .venv/bin/python -m benchmarks.bench_tracking [--events 100000] [--clients 4] [--batch 100]
                                                  [--workers 1]

Starts cxhub under uvicorn (`--workers` processes, default one; SQLite defaults; in a child
process), sends `--events`
track calls in batches of `--batch` from `--clients` threads with httpx (bodies encoded up
front), and prints events/s and the p50/p99 batch latency. Then does the same against a bare
Starlette endpoint that parses the same JSON and answers 200 (the baseline: what uvicorn, HTTP
and JSON cost alone; it runs with the same number of workers). Finally compacts the stored events into Parquet and prints events/s.
The 1-minute load average is printed with the results: this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.results import Figure, record

SERVE_BASELINE = "baseline"
SERVE_CXHUB = "cxhub"


def _settings(data_dir: Path) -> Any:
    from cxhub.core.settings import Settings

    return Settings(
        environment="development",
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",  # noqa: S106
        scheduler=False,
        tracking_requests_per_minute=10**9,
    )


DATA_DIR_VARIABLE = "CXHUB_BENCH_TRACKING_DATA_DIR"


def baseline_app() -> Any:
    """The bare Starlette endpoint (uvicorn factory)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def batch(request: Request) -> Response:
        payload = json.loads(await request.body())
        return JSONResponse({"success": True, "received": len(payload["batch"])})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/v1/batch", batch, methods=["POST"]), Route("/healthz", healthz)]
    )


def cxhub_app() -> Any:
    """cxhub on the benchmark's database (uvicorn factory; each worker process builds one)."""
    from cxhub.api.app import create_app

    return create_app(_settings(Path(os.environ[DATA_DIR_VARIABLE])))


def serve(mode: str, data_dir: Path, port: int, workers: int) -> None:
    """Child process: serve cxhub or the baseline on 127.0.0.1:port with `workers` processes."""
    import uvicorn

    os.environ[DATA_DIR_VARIABLE] = str(data_dir)
    factory = "baseline_app" if mode == SERVE_BASELINE else "cxhub_app"
    uvicorn.run(
        f"benchmarks.bench_tracking:{factory}",
        factory=True,
        workers=workers,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_workspace(data_dir: Path) -> tuple[int, str]:
    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.people import service as people
    from cxhub.success.usage import service as usage

    settings = _settings(data_dir)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bench", name="Bench")
            session.info["workspace_id"] = workspace.id
            issued = usage.create_write_key(session, workspace_id=workspace.id, name="bench")
            return workspace.id, issued.secret
    finally:
        runtime.close()


def make_bodies(events: int, batch: int) -> list[bytes]:
    base = datetime(2026, 6, 1, tzinfo=UTC)
    bodies = []
    for start in range(0, events, batch):
        calls = [
            {
                "type": "track",
                "userId": f"user-{n % 5000}",
                "event": f"Feature {n % 40}",
                "messageId": uuid.uuid4().hex,
                "timestamp": (base - timedelta(minutes=n % 43200)).isoformat(),
                "properties": {"plan": "pro", "n": n, "path": "/reports/42"},
                "context": {"library": {"name": "analytics-python", "version": "2.3.4"}},
            }
            for n in range(start, min(start + batch, events))
        ]
        bodies.append(json.dumps({"batch": calls}).encode())
    return bodies


def run_load(url: str, auth: tuple[str, str], bodies: list[bytes], clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    shares = [bodies[i::clients] for i in range(clients)]

    def worker(share: list[bytes]) -> None:
        mine: list[float] = []
        with httpx.Client(
            auth=auth, timeout=60, headers={"Content-Type": "application/json"}
        ) as http:
            for body in share:
                started = time.perf_counter()
                response = http.post(url, content=body)
                mine.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "seconds": elapsed,
        "batches": len(bodies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "failures": failures[:3],
        "failed": len(failures),
    }


def with_server(mode: str, data_dir: Path, action: Any, workers: int = 1) -> Any:
    port = _free_port()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "benchmarks.bench_tracking",
            "--serve",
            mode,
            str(data_dir),
            str(port),
            str(workers),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or child.poll() is not None:
                raise RuntimeError(f"the {mode} server did not start")
            time.sleep(0.2)
        return action(f"http://127.0.0.1:{port}")
    finally:
        child.terminate()
        child.wait(timeout=30)


def compaction(data_dir: Path, workspace_id: int) -> tuple[int, float]:
    from cxhub.core.db import unit_of_work
    from cxhub.core.runtime import build_runtime
    from cxhub.success.usage.compaction import compact

    runtime = build_runtime(_settings(data_dir))
    try:
        started = time.perf_counter()
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            result = compact(
                session,
                workspace_id=workspace_id,
                data_dir=data_dir,
                older_than=datetime.now(UTC) + timedelta(minutes=1),
            )
        return result.events, time.perf_counter() - started
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--serve", nargs=4, metavar=("MODE", "DATA_DIR", "PORT", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], Path(args.serve[1]), int(args.serve[2]), int(args.serve[3]))
        return
    with tempfile.TemporaryDirectory(prefix="cxhub-bench-tracking-") as folder:
        data_dir = Path(folder)
        workspace_id, write_key = prepare_workspace(data_dir)
        bodies = make_bodies(args.events, args.batch)
        size_kb = sum(len(b) for b in bodies) / len(bodies) / 1024
        print(
            f"{args.events} track events in batches of {args.batch} ({size_kb:.0f} KB each), "
            f"{args.clients} client threads, {args.workers} uvicorn worker(s), "
            f"cpus {os.cpu_count()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        auth = (write_key, "")
        measured: dict[str, dict[str, Any]] = {}
        for mode in (SERVE_BASELINE, SERVE_CXHUB):
            result = with_server(
                mode,
                data_dir,
                lambda url: run_load(f"{url}/v1/batch", auth, bodies, args.clients),
                args.workers,
            )
            rate = args.events / result["seconds"]
            measured[mode] = {**result, "rate": rate}
            print(
                f"{mode:>8}: {rate:10,.0f} events/s  {result['seconds']:6.1f} s  "
                f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                f"failed {result['failed']} {result['failures']}"
            )
        ours, bare = measured[SERVE_CXHUB], measured[SERVE_BASELINE]
        record(
            Figure(
                scenario="ingest: /v1/batch",
                unit="events",
                throughput=ours["rate"],
                p50_ms=ours["p50_ms"],
                p99_ms=ours["p99_ms"],
                baseline_name="bare Starlette endpoint",
                baseline_throughput=bare["rate"],
                baseline_p99_ms=bare["p99_ms"],
                target=">= 20,000 events/s",
                target_met=ours["rate"] >= 20_000 and ours["failed"] == 0,
                details={"events": args.events, "batch": args.batch, "workers": args.workers,
                         "failed": ours["failed"]},
            )
        )  # fmt: skip
        events, seconds = compaction(data_dir, workspace_id)
        files = list((data_dir / "events").rglob("*.parquet"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        print(
            f"compaction: {events:,} events in {seconds:.1f} s = {events / seconds:,.0f} events/s "
            f"into {len(files)} Parquet files ({size_mb:.1f} MB); "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
