"""`cxhub mail serve` as a real process: 550 for strangers, stored and ticketed mail, clean stop."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from cxhub.people import service as people
from cxhub.service.mail.mailboxes import create_mailbox
from cxhub.service.mail.schemas import MailboxCreate
from cxhub.service.tickets.models import Ticket

pytestmark = pytest.mark.nodb  # its own SQLite data directory, whatever engine the suite runs

MAIL = (
    b"From: Ann <ann@customer.test>\r\nTo: support@acme.test\r\nSubject: Hello\r\n"
    b"Message-ID: <cli-1@customer.test>\r\n\r\nIs anyone there?\r\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"cxhub mail serve did not listen on {port}")


def test_mail_serve_receives_into_the_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jobs_backend="sync")
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="acme", name="Acme")
            session.info["workspace_id"] = workspace.id
            create_mailbox(
                session,
                workspace_id=workspace.id,
                data=MailboxCreate(address="support@acme.test"),
            )
        port = _free_port()
        env = {**os.environ, "CXHUB_DATA_DIR": str(tmp_path), "CXHUB_MAIL_PORT": str(port)}
        env.pop("CXHUB_DATABASE_URL", None)
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(Path(sys.executable).with_name("cxhub")), "mail", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for_port(port, time.monotonic() + 30)
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                with pytest.raises(smtplib.SMTPRecipientsRefused):
                    client.sendmail("ann@customer.test", ["other@acme.test"], MAIL)
                client.sendmail("ann@customer.test", ["support+x@acme.test"], MAIL)
            deadline = time.monotonic() + 20
            count = 0
            while time.monotonic() < deadline and count == 0:
                with unit_of_work(runtime.session_factory, workspace.id) as session:
                    count = session.scalar(select(func.count(Ticket.id))) or 0
                time.sleep(0.1)
            assert count == 1
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err.decode()
        assert f"receiving on 127.0.0.1:{port}" in out.decode()
    finally:
        runtime.close()
