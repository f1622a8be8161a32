"""The production topology end to end: `cxhub serve` with the Redis job backend puts the job an
HTTP request asks for on the queue; a separate `cxhub worker run` process runs it; its effect is
in the database (the suite's: SQLite, or PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.service.mail.models import InboundEmail, InboundStatus
from cxhub.service.tickets.models import Ticket
from tests.cli.test_serve_workers import server_environment, start_process, wait_healthy
from tests.factories import Tenant, unique
from tests.reliability.servers import free_port


@pytest.fixture
def redis_env(redis_settings: Settings) -> dict[str, str]:
    return server_environment(
        redis_settings,
        CXHUB_JOBS_BACKEND="redis",
        CXHUB_REDIS_URL=redis_settings.redis_url or "",
        CXHUB_REDIS_KEY_PREFIX=redis_settings.redis_key_prefix,
        CXHUB_RATE_LIMIT_BACKEND="redis",
        CXHUB_SCHEDULER="false",
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def inbound_status(runtime: Runtime, tenant: Tenant, inbound_id: int) -> InboundStatus:
    with tenant.session() as session:
        row = session.scalar(select(InboundEmail).where(InboundEmail.id == inbound_id))
        assert row is not None
        return row.status


def test_a_request_enqueues_and_a_separate_worker_process_runs_the_job(
    redis_env: dict[str, str],
    processes: list[subprocess.Popen[bytes]],
    runtime: Runtime,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    port = free_port()
    web_log = tmp_path / "web.log"
    processes.append(start_process(["serve", "--port", str(port)], redis_env, web_log))
    base_url = f"http://127.0.0.1:{port}"
    wait_healthy(base_url, processes[0], web_log)

    subject = unique("Order ")
    raw = (
        f"From: Grace <grace@customer.test>\r\nTo: help@{tenant.slug}.test\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '-')}@customer.test>\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nWhere is my order?\r\n"
    ).encode()
    answer = httpx.post(
        f"{base_url}/api/v1/mail/inbound",
        content=raw,
        headers={**tenant.admin, "Content-Type": "message/rfc822"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    inbound_id = answer.json()["id"]
    time.sleep(1.0)
    # The web process only queued the job: nothing runs it until a worker starts.
    assert inbound_status(runtime, tenant, inbound_id) == InboundStatus.RECEIVED

    worker_log = tmp_path / "worker.log"
    processes.append(start_process(["worker", "run", "--threads", "2"], redis_env, worker_log))
    deadline = time.monotonic() + 120
    while inbound_status(runtime, tenant, inbound_id) == InboundStatus.RECEIVED:
        assert processes[1].poll() is None, worker_log.read_text()
        assert time.monotonic() < deadline, (
            f"the worker did not run the job:\n{worker_log.read_text()}"
        )
        time.sleep(0.2)
    assert inbound_status(runtime, tenant, inbound_id) == InboundStatus.PROCESSED
    with tenant.session() as session:
        assert session.scalar(select(Ticket.id).where(Ticket.subject == subject)) is not None

    for process in processes:
        process.send_signal(signal.SIGTERM)
    assert [process.wait(60) for process in processes] == [0, 0], worker_log.read_text()
