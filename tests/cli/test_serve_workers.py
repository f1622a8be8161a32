"""`cxhub serve --workers 2`: two web processes behind one port, one database (the suite's:
SQLite here, PostgreSQL in the PostgreSQL pass). Each worker, alone, serves what the other wrote."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cxhub.core.settings import Settings
from tests.factories import Tenant
from tests.reliability.servers import CXHUB, free_port


def server_environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CXHUB_ENVIRONMENT": "test",
        "CXHUB_SECRET_KEY": settings.secret_key,
        "CXHUB_DATABASE_URL": settings.effective_database_url,
        "CXHUB_DATA_DIR": str(settings.data_dir),
        "CXHUB_LOG_LEVEL": "WARNING",
        "CXHUB_JOBS_BACKEND": "inprocess",
        # The suite's database is shared with other tests: no periodic jobs over its workspaces.
        "CXHUB_SCHEDULER": "false",
        **extra,
    }
    return env


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not healthy:\n{log.read_text()}")


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([CXHUB, *args], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def worker_pids(supervisor: int) -> list[int]:
    """uvicorn's worker processes: children of the supervisor started by multiprocessing."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and "spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


@pytest.fixture
def two_worker_server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_process(
        ["serve", "--port", str(port), "--workers", "2"], server_environment(settings), log
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}", process.pid
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_two_web_workers_serve_requests_against_one_database(
    two_worker_server: tuple[str, int], tenant: Tenant
) -> None:
    base_url, supervisor = two_worker_server
    deadline = time.monotonic() + 30
    while len(workers := worker_pids(supervisor)) < 2:
        assert time.monotonic() < deadline, "uvicorn did not start two workers"
        time.sleep(0.1)
    first, second = workers
    subject = f"Printer on fire {time.time_ns()}"
    # Only the first worker can accept: it writes the ticket.
    os.kill(second, signal.SIGSTOP)
    try:
        created = httpx.post(
            f"{base_url}/api/v1/public/{tenant.slug}/tickets",
            json={
                "name": "Ada",
                "email": "ada@example.com",
                "subject": subject,
                "description": "!",
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
    finally:
        os.kill(second, signal.SIGCONT)
    # Only the second worker can accept: it reads what the first wrote.
    os.kill(first, signal.SIGSTOP)
    try:
        listed = httpx.get(f"{base_url}/api/v1/tickets", headers=tenant.admin, timeout=30)
        assert listed.status_code == 200, listed.text
        assert subject in [ticket["subject"] for ticket in listed.json()["items"]]
    finally:
        os.kill(first, signal.SIGCONT)
