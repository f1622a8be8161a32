"""SIGKILL in the middle of event ingestion and mail intake loses nothing that was acknowledged.

The durability contracts: a `/v1/batch` answer of 200 means its events are committed (ADR 0015),
an SMTP `250` means the raw message is committed (ADR 0012), and both paths are idempotent (the
event `messageId`, the mail `Message-ID`). The test streams both into real `cxhub serve` and
`cxhub mail serve` processes, kills both with SIGKILL while requests are in flight, restarts
them and checks that every acknowledged event and mail is present exactly once and every
unacknowledged one at most once; then the clients retry what was not acknowledged (as Segment
libraries and mail servers do) and everything is present exactly once.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from sqlalchemy import select

from cxhub.core.db import unit_of_work
from cxhub.core.jobs import JobRequest
from cxhub.service.mail.models import InboundEmail
from cxhub.service.tickets.models import TicketMessage
from cxhub.success.usage.models import UsageEvent
from tests.reliability.servers import (
    MAILBOX,
    Installation,
    ServerProcess,
    installation_database,
    make_installation,
    start_mail,
    start_web,
)

EVENTS_PER_BATCH = 20
ACKED_BATCHES_BEFORE_KILL = 12
ACKED_MAILS_BEFORE_KILL = 8


def batch_body(batch: int) -> dict[str, object]:
    return {
        "batch": [
            {
                "type": "track",
                "event": "Report Built",
                "userId": f"user-{batch % 7}",
                "messageId": f"ev-{batch}-{index}",
                "properties": {"batch": batch, "index": index},
                "timestamp": "2026-11-20T10:00:00Z",
            }
            for index in range(EVENTS_PER_BATCH)
        ]
    }


def mail_bytes(number: int) -> bytes:
    return (
        f"From: Customer {number} <c{number}@customer.test>\r\nTo: {MAILBOX}\r\n"
        f"Subject: Order {number}\r\nMessage-ID: <crash-{number}@customer.test>\r\n"
        f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nWhere is order {number}?\r\n"
    ).encode()


class Streams:
    """Client threads that send until told to stop, remembering what was acknowledged."""

    def __init__(self, web: ServerProcess, mail: ServerProcess, write_key: str) -> None:
        self.web, self.mail, self.write_key = web, mail, write_key
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent_batches: set[int] = set()
        self.acked_batches: set[int] = set()
        self.sent_mails: set[int] = set()
        self.acked_mails: set[int] = set()
        self._next = Counter[str]()

    def _take(self, kind: str) -> int:
        with self.lock:
            self._next[kind] += 1
            return self._next[kind]

    def events(self) -> None:
        with httpx.Client(base_url=self.web.base_url, timeout=10, auth=(self.write_key, "")) as c:
            while not self.stop.is_set():
                batch = self._take("batch")
                with self.lock:
                    self.sent_batches.add(batch)
                try:
                    response = c.post("/v1/batch", json=batch_body(batch))
                except httpx.HTTPError:
                    continue
                if response.status_code == 200 and response.json().get("success") is True:
                    with self.lock:
                        self.acked_batches.add(batch)

    def mails(self) -> None:
        while not self.stop.is_set():
            number = self._take("mail")
            with self.lock:
                self.sent_mails.add(number)
            try:
                with smtplib.SMTP("127.0.0.1", self.mail.port, timeout=10) as client:
                    refused = client.sendmail(
                        f"c{number}@customer.test", [MAILBOX], mail_bytes(number)
                    )
            except (OSError, smtplib.SMTPException):
                time.sleep(0.01)
                continue
            if not refused:
                with self.lock:
                    self.acked_mails.add(number)

    def run(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.events, name="events-1"),
            threading.Thread(target=self.events, name="events-2"),
            threading.Thread(target=self.mails, name="mails-1"),
            threading.Thread(target=self.mails, name="mails-2"),
        ]
        for thread in threads:
            thread.start()
        return threads

    def enough(self) -> bool:
        with self.lock:
            return (
                len(self.acked_batches) >= ACKED_BATCHES_BEFORE_KILL
                and len(self.acked_mails) >= ACKED_MAILS_BEFORE_KILL
            )


def stored_event_counts(installation: Installation) -> Counter[str]:
    """Each messageId's copies: the database inbox plus any Parquet files compaction wrote."""
    with unit_of_work(installation.runtime.session_factory, installation.workspace_id) as s:
        counts = Counter(s.scalars(select(UsageEvent.message_id)))
    files = list((installation.data_dir / "events").rglob("*.parquet"))
    if files:
        paths = [str(path) for path in files]
        rows = duckdb.execute("SELECT message_id FROM read_parquet(?)", [paths]).fetchall()
        counts.update(row[0] for row in rows)
    return counts


def ticket_message_counts(installation: Installation) -> Counter[str]:
    with unit_of_work(installation.runtime.session_factory, installation.workspace_id) as s:
        ids = s.scalars(
            select(TicketMessage.email_message_id).where(
                TicketMessage.email_message_id.is_not(None)
            )
        )
        return Counter(str(i).strip("<>").split("@")[0] for i in ids)


def stored_mail_numbers(installation: Installation) -> Counter[int]:
    with unit_of_work(installation.runtime.session_factory, installation.workspace_id) as s:
        raws = s.scalars(select(InboundEmail.raw))
        found: Counter[int] = Counter()
        for raw in raws:
            marker = bytes(raw).split(b"Message-ID: <crash-", 1)
            if len(marker) == 2:
                found[int(marker[1].split(b"@", 1)[0])] += 1
        return found


def process_pending_mail(installation: Installation) -> None:
    installation.runtime.job_queue.submit(
        JobRequest("mail.process_pending", installation.workspace_id, {})
    )


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    with installation_database() as database_url:
        active = make_installation(tmp_path, database_url)
        yield active
        active.close()


def test_sigkill_mid_stream_loses_no_acknowledged_event_or_mail(installation: Installation) -> None:
    web, mail = start_web(installation), start_mail(installation)
    streams = Streams(web, mail, installation.write_key)
    threads = streams.run()
    deadline = time.monotonic() + 120
    while not streams.enough() and time.monotonic() < deadline:
        time.sleep(0.02)
    # Both processes die with requests and deliveries in flight.
    web.kill()
    mail.kill()
    streams.stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert streams.enough(), (web.log(), mail.log())
    unacked_batches = streams.sent_batches - streams.acked_batches
    unacked_mails = streams.sent_mails - streams.acked_mails

    web, mail = start_web(installation), start_mail(installation)
    try:
        # After the restart, before any retry: acknowledged exactly once, the rest at most once.
        events = stored_event_counts(installation)
        for batch in streams.acked_batches:
            for index in range(EVENTS_PER_BATCH):
                assert events[f"ev-{batch}-{index}"] == 1, (batch, index)
        assert all(count == 1 for count in events.values())
        stored = stored_mail_numbers(installation)
        for number in streams.acked_mails:
            assert stored[number] == 1, number
        assert all(stored[number] <= 1 for number in unacked_mails)

        process_pending_mail(installation)
        messages = ticket_message_counts(installation)
        for number in streams.acked_mails:
            assert messages[f"crash-{number}"] == 1, number
        assert all(count == 1 for count in messages.values())

        # The clients retry everything that was not acknowledged, and some that was (a lost
        # answer looks the same to a client): still exactly one copy of each.
        retried = sorted(unacked_batches) + sorted(streams.acked_batches)[:3]
        with httpx.Client(base_url=web.base_url, timeout=30) as client:
            for batch in retried:
                response = client.post(
                    "/v1/batch", json=batch_body(batch), auth=(installation.write_key, "")
                )
                assert response.status_code == 200, response.text
        resent = sorted(unacked_mails) + sorted(streams.acked_mails)[:3]
        with smtplib.SMTP("127.0.0.1", mail.port, timeout=30) as client:
            for number in resent:
                client.sendmail(f"c{number}@customer.test", [MAILBOX], mail_bytes(number))
        process_pending_mail(installation)

        events = stored_event_counts(installation)
        expected = {
            f"ev-{batch}-{index}"
            for batch in streams.sent_batches
            for index in range(EVENTS_PER_BATCH)
        }
        assert set(events) == expected
        assert set(events.values()) == {1}
        messages = ticket_message_counts(installation)
        assert set(messages) == {f"crash-{number}" for number in streams.sent_mails}
        assert set(messages.values()) == {1}
    finally:
        web.kill()
        mail.kill()
