"""Server CPU per authenticated request, with and without the API-token cache (ADR 0037).

One `cxhub serve` (SQLite) per setting; one client sends `GET /api/v1/contacts/{id}/timeline`
with a bearer token, one request at a time on a kept-alive connection; the figure is the
server process's user+system CPU time (from /proc) divided by the requests, so the client's
own CPU and other load on the machine do not count.

    python -m benchmarks.bench_auth_cost --requests 2000 --cache-seconds 0 5

`--server-pythonpath` runs the server from another source tree (a checkout of an earlier
commit) to compare against it on the same database.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.soak import prepare, serving

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(base_url: str, pid: int, token: str, contact_ids: list[int], requests: int) -> float:
    """Milliseconds of server CPU per request, after a warm-up of a tenth as many."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for n in range(max(requests // 10, 50)):
            client.get(f"/api/v1/contacts/{contact_ids[n % len(contact_ids)]}/timeline")
        time.sleep(0.5)
        before = cpu_seconds(pid)
        for n in range(requests):
            response = client.get(f"/api/v1/contacts/{contact_ids[n % len(contact_ids)]}/timeline")
            response.raise_for_status()
        time.sleep(0.2)
        return (cpu_seconds(pid) - before) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--cache-seconds", nargs="+", default=["0", "5"])
    parser.add_argument("--rounds", type=int, default=1, help="Repeat the settings in turn.")
    parser.add_argument("--server-pythonpath", help="Also measure a server from this src tree.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxhub-auth-") as tmp:
        data_dir = Path(tmp)
        installation = prepare(data_dir, contacts=50, tickets=5)
        runs: list[tuple[str, dict[str, str]]] = [
            (f"auth cache {s} s", {"CXHUB_AUTH_CACHE_SECONDS": s}) for s in args.cache_seconds
        ]
        if args.server_pythonpath:
            runs.insert(0, ("other tree", {"PYTHONPATH": args.server_pythonpath}))
        for _ in range(args.rounds):
            for label, env in runs:
                with serving(data_dir, env_extra={"CXHUB_SCHEDULER": "false", **env}) as (
                    server,
                    base_url,
                ):
                    per_request = measure(
                        base_url,
                        server.pid,
                        installation.token,
                        installation.contact_ids,
                        args.requests,
                    )
                print(f"{label}: {per_request:.3f} ms server CPU per request")


if __name__ == "__main__":
    main()
