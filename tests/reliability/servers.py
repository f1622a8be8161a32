"""Run `cxhub serve` and `cxhub mail serve` as real processes on 127.0.0.1 for the fault tests.

Each installation lives in a temporary data directory (its files, and its SQLite database), or
on the PostgreSQL pass of CI (`CXHUB_TEST_DATABASE_URL`) in a fresh PostgreSQL database of its
own; the processes are the installed console script, so what is tested is what an operator runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.people import service as people
from cxhub.people.schemas import UserCreate
from cxhub.service.mail.mailboxes import create_mailbox
from cxhub.service.mail.schemas import MailboxCreate
from cxhub.success.usage.service import create_write_key

CXHUB = str(Path(sys.executable).with_name("cxhub"))
MAILBOX = "support@acme.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Installation:
    """A data directory with a migrated database, one workspace, a mailbox and a write key."""

    data_dir: Path
    runtime: Runtime
    workspace_id: int
    write_key: str
    admin_token: str
    database_url: str | None = None  # None: the SQLite file in data_dir

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "CXHUB_DATA_DIR": str(self.data_dir),
            "CXHUB_LOG_LEVEL": "WARNING",
            "CXHUB_TRACKING_REQUESTS_PER_MINUTE": "1000000",
            **extra,
        }
        env.pop("CXHUB_DATABASE_URL", None)
        env.pop("CXHUB_JOBS_BACKEND", None)
        if self.database_url is not None:
            env["CXHUB_DATABASE_URL"] = self.database_url
        return env

    def close(self) -> None:
        self.runtime.close()


@contextmanager
def installation_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database on the PostgreSQL pass (dropped afterwards), else None."""
    from tests.conftest import _create_postgres_database, _drop_postgres_database

    base = os.environ.get("CXHUB_TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        yield None
        return
    url, admin_dsn = _create_postgres_database(base)
    try:
        yield url
    finally:
        _drop_postgres_database(url, admin_dsn)


def make_installation(data_dir: Path, database_url: str | None = None) -> Installation:
    settings = Settings(
        data_dir=data_dir, database_url=database_url, jobs_backend="sync", scheduler=False
    )
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        workspace = people.create_workspace(session, slug="acme", name="Acme")
        session.info["workspace_id"] = workspace.id
        create_mailbox(session, workspace_id=workspace.id, data=MailboxCreate(address=MAILBOX))
        key = create_write_key(session, workspace_id=workspace.id, name="crash test")
        admin = people.create_user(
            session,
            workspace_id=workspace.id,
            data=UserCreate(email="admin@example.com", name="Admin", role=Role.ADMIN),
        )
        token = people.create_api_token(session, user=admin, name="fault tests")
        workspace_id = workspace.id
    return Installation(data_dir, runtime, workspace_id, key.secret, token.secret, database_url)


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed — a power cut for this process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _start(args: list[str], env: dict[str, str], port: int, log_path: Path) -> ServerProcess:
    log_file = log_path.open("ab")
    try:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [CXHUB, *args], env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    finally:
        log_file.close()
    return ServerProcess(process, port, log_path)


def _wait_for_port(server: ServerProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited early:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError(f"server did not listen on {server.port}:\n{server.log()}")


def start_web(installation: Installation, **env: str) -> ServerProcess:
    port = free_port()
    server = _start(
        ["serve", "--port", str(port)],
        installation.env(**env),
        port,
        installation.data_dir / f"web-{port}.log",
    )
    _wait_for_port(server, time.monotonic() + 60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError(f"cxhub serve is not healthy:\n{server.log()}")


def start_mail(installation: Installation, **env: str) -> ServerProcess:
    port = free_port()
    server = _start(
        ["mail", "serve", "--port", str(port)],
        installation.env(**env),
        port,
        installation.data_dir / f"mail-{port}.log",
    )
    _wait_for_port(server, time.monotonic() + 60)
    return server
