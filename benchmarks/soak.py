"""Soak test: N minutes of mixed load against a real `cxhub serve`; does memory grow, do errors appear?

    .venv/bin/python -m benchmarks.soak [--minutes 10] [--rate 40] [--clients 4] [--seed 7]

Creates an installation in a temporary directory (SQLite, migrated, one workspace with an admin
token, a tracking write key and a support mailbox, 200 contacts and 50 tickets), starts
`cxhub serve` on 127.0.0.1 as a child process (in-process jobs and the scheduler on, as an
operator runs it) and sends, from `--clients` threads at `--rate` requests per second in total,
a deterministic mix of agent traffic (ticket list, ticket + messages, contact search, contact
timeline, new ticket, internal note, priority and tags) and ingestion (`/v1/batch` with 50 events, a raw
e-mail through `/api/v1/mail/inbound`). Every 5 s it samples the server's resident memory
(VmRSS from /proc) and counts errors: any 5xx, any connection error, and any answer other than
the one the call expects. At the end it prints the RSS after the first minute (warm-up: caches,
imports, SQLite page cache) and at the end, the growth between them and its slope (least
squares over the post-warm-up samples), the request counts and latencies per kind, the errors,
and the 1-minute load average (the machine is shared). Only 127.0.0.1 is contacted; the run
stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SAMPLE_SECONDS = 5.0
WARMUP_SECONDS = 60.0
MAILBOX = "support@acme.test"


@dataclass
class Installation:
    data_dir: Path
    token: str
    write_key: str
    contact_ids: list[int]
    ticket_ids: list[int]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(
    data_dir: Path, *, contacts: int = 200, tickets: int = 50, database_url: str | None = None
) -> Installation:
    """A migrated installation with one workspace and some customers, built through the API
    (in SQLite under `data_dir` unless `database_url` names another database)."""
    from fastapi.testclient import TestClient

    from cxhub.api.app import create_app
    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.permissions import Role
    from cxhub.core.runtime import build_runtime
    from cxhub.core.settings import Settings
    from cxhub.people import service as people
    from cxhub.people.schemas import UserCreate

    settings = Settings(
        data_dir=data_dir, jobs_backend="sync", scheduler=False, database_url=database_url
    )
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="acme", name="Acme")
            session.info["workspace_id"] = workspace.id
            admin = people.create_user(
                session,
                workspace_id=workspace.id,
                data=UserCreate(email="admin@example.com", name="Admin", role=Role.ADMIN),
            )
            token = people.create_api_token(session, user=admin, name="soak").secret
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings, runtime)) as client:
            write_key = client.post(
                "/api/v1/tracking/write-keys", json={"name": "soak"}, headers=headers
            ).json()["write_key"]
            client.post("/api/v1/mailboxes", json={"address": MAILBOX}, headers=headers)
            contact_ids = [
                client.post(
                    "/api/v1/contacts",
                    json={
                        "first_name": f"Ada{n}",
                        "last_name": "Soak",
                        "emails": [f"c{n}@example.org"],
                    },
                    headers=headers,
                ).json()["id"]
                for n in range(contacts)
            ]
            ticket_ids = [
                client.post(
                    "/api/v1/tickets",
                    json={
                        "subject": f"Order {n} late",
                        "description": "Where is my order?",
                        "requester_id": contact_ids[n % contacts],
                    },
                    headers=headers,
                ).json()["id"]
                for n in range(tickets)
            ]
    finally:
        runtime.close()
    return Installation(data_dir, token, write_key, contact_ids, ticket_ids)


@contextmanager
def serving(
    data_dir: Path, *, workers: int = 1, env_extra: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`cxhub serve` on a free 127.0.0.1 port as a child process, as an operator runs it;
    stopped with SIGTERM (graceful) at the end, its exit code and last log lines printed."""
    port = _free_port()
    env = {
        **os.environ,
        "CXHUB_DATA_DIR": str(data_dir),
        "CXHUB_LOG_LEVEL": "WARNING",
        "CXHUB_TRACKING_REQUESTS_PER_MINUTE": "1000000",
    }
    env.pop("CXHUB_DATABASE_URL", None)
    env.pop("CXHUB_JOBS_BACKEND", None)
    env.update(env_extra or {})
    command = [str(Path(sys.executable).with_name("cxhub")), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script
            command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"the server did not start:\n{log_path.read_text()}")
        yield server, base_url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        print(f"server exit code after SIGTERM: {code}")
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        if tail:
            print("server log (last lines):", *tail, sep="\n  ")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error is not None:
                self.errors[kind] += 1
                self.examples.setdefault(kind, error)


Call = Callable[[httpx.Client, random.Random, Installation, int], tuple[httpx.Response, int]]


def _tickets(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    return c.get("/api/v1/tickets", params={"limit": 25}), 200


def _ticket(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    ticket = r.choice(i.ticket_ids)
    c.get(f"/api/v1/tickets/{ticket}")
    return c.get(f"/api/v1/tickets/{ticket}/messages"), 200


def _search(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    return c.get("/api/v1/contacts", params={"q": f"ada{r.randrange(200)}"}), 200


def _timeline(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    return c.get(f"/api/v1/contacts/{r.choice(i.contact_ids)}/timeline"), 200


def _new_ticket(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    body = {
        "subject": f"Soak {n}",
        "description": "It broke",
        "requester_id": r.choice(i.contact_ids),
    }
    return c.post("/api/v1/tickets", json=body), 201


def _reply(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    body = {"body": f"Internal note {n}", "public": False}
    return c.post(f"/api/v1/tickets/{r.choice(i.ticket_ids)}/messages", json=body), 201


def _update(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    body = {"priority": r.choice(["low", "normal", "high", "urgent"]), "add_tags": [f"soak{n % 5}"]}
    return c.patch(f"/api/v1/tickets/{r.choice(i.ticket_ids)}", json=body), 200


def _events(
    c: httpx.Client, r: random.Random, i: Installation, n: int
) -> tuple[httpx.Response, int]:
    batch = [
        {
            "type": "track",
            "event": r.choice(["Report Built", "Invoice Sent", "Login"]),
            "userId": f"user-{r.randrange(500)}",
            "messageId": f"soak-{n}-{k}",
            "properties": {"n": k},
        }
        for k in range(50)
    ]
    return c.post("/v1/batch", json={"batch": batch}, auth=(i.write_key, "")), 200


def _mail(c: httpx.Client, r: random.Random, i: Installation, n: int) -> tuple[httpx.Response, int]:
    raw = (
        f"From: Customer {n % 300} <p{n % 300}@customer.example>\r\nTo: {MAILBOX}\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <soak-{n}@customer.example>\r\n\r\n"
        f"Hello, question number {n}.\r\n"
    ).encode()
    return c.post(
        "/api/v1/mail/inbound", content=raw, headers={"Content-Type": "message/rfc822"}
    ), 202


# Weights: mostly agents reading, some writing, a steady stream of ingestion.
MIX: list[tuple[str, Call, int]] = [
    ("tickets", _tickets, 20),
    ("ticket", _ticket, 20),
    ("search", _search, 15),
    ("timeline", _timeline, 10),
    ("new_ticket", _new_ticket, 5),
    ("reply", _reply, 8),
    ("update", _update, 7),
    ("events", _events, 12),
    ("mail", _mail, 3),
]


def client_loop(
    base_url: str,
    installation: Installation,
    stats: Stats,
    deadline: float,
    interval: float,
    seed: int,
    counter: Callable[[], int],
) -> None:
    rng = random.Random(seed)
    kinds = [m[0] for m in MIX]
    calls = {m[0]: m[1] for m in MIX}
    weights = [m[2] for m in MIX]
    headers = {"Authorization": f"Bearer {installation.token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            error: str | None = None
            try:
                response, expected = calls[kind](client, rng, installation, counter())
                if response.status_code != expected:
                    error = f"{response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = repr(exc)
            stats.record(kind, time.perf_counter() - started, error)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))


def _slope_per_minute(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 2:
        return 0.0
    xs = [t / 60 for t, _ in samples]
    ys = [kib / 1024 for _, kib in samples]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    denominator = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / denominator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second in total")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cxhub-soak-") as tmp:
        data_dir = Path(tmp)
        print("preparing the installation ...", flush=True)
        installation = prepare(data_dir)
        with serving(data_dir) as (server, base_url):
            run(args, installation, server, base_url)


def run(
    args: argparse.Namespace,
    installation: Installation,
    server: subprocess.Popen[bytes],
    base_url: str,
) -> None:
    stats = Stats()
    lock = threading.Lock()
    sequence = iter(range(10**9))

    def counter() -> int:
        with lock:
            return next(sequence)

    started = time.monotonic()
    deadline = started + args.minutes * 60
    interval = args.clients / args.rate
    threads = [
        threading.Thread(
            target=client_loop,
            args=(base_url, installation, stats, deadline, interval, args.seed + n, counter),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    samples: list[tuple[float, int]] = []
    print(f"soaking for {args.minutes:g} min at {args.rate:g} req/s from {args.clients} clients")
    while time.monotonic() < deadline:
        time.sleep(min(SAMPLE_SECONDS, max(0.0, deadline - time.monotonic())))
        elapsed = time.monotonic() - started
        samples.append((elapsed, rss_kib(server.pid)))
        with stats.lock:
            done = sum(len(v) for v in stats.latencies.values())
            errors = sum(stats.errors.values())
        if len(samples) % 12 == 0:
            print(
                f"  {elapsed / 60:5.1f} min  RSS {samples[-1][1] / 1024:7.1f} MiB  "
                f"requests {done:7d}  errors {errors}",
                flush=True,
            )
    for thread in threads:
        thread.join(timeout=60)
    report(args, stats, samples)


def report(args: argparse.Namespace, stats: Stats, samples: list[tuple[float, int]]) -> None:
    warm = [s for s in samples if s[0] >= WARMUP_SECONDS] or samples
    first, last = warm[0][1] / 1024, samples[-1][1] / 1024
    peak = max(kib for _, kib in samples) / 1024
    total = sum(len(v) for v in stats.latencies.values())
    print()
    print(
        f"duration: {args.minutes:g} min, requests: {total}, errors: {sum(stats.errors.values())}"
    )
    print(
        f"server RSS: after warm-up {first:.1f} MiB, at the end {last:.1f} MiB, peak {peak:.1f} MiB; "
        f"growth {last - first:+.1f} MiB, slope {_slope_per_minute(warm):+.2f} MiB/min "
        f"(least squares over {len(warm)} samples after the first minute)"
    )
    second_half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    print(f"slope over the second half of the run: {_slope_per_minute(second_half):+.2f} MiB/min")
    print(f"{'kind':<12}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, _, _ in MIX:
        values = sorted(stats.latencies.get(kind, []))
        if not values:
            continue
        p50 = values[len(values) // 2] * 1000
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        print(f"{kind:<12}{len(values):>8}{stats.errors[kind]:>8}{p50:>10.1f}{p99:>10.1f}")
    for kind, example in stats.examples.items():
        print(f"first {kind} error: {example}")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
