"""MailReceiver over real SMTP conversations: a message is acknowledged only once stored."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cxhub.service.mail.receiver import MailReceiver

Stored = list[tuple[bytes, str, list[str]]]
RAW = b"From: a@example.com\r\nTo: support@acme.test\r\nSubject: hi\r\n\r\nline\r\n.leading dot\r\n"


@pytest.fixture
def stored() -> Stored:
    return []


@pytest.fixture
def receiver(stored: Stored) -> Iterator[MailReceiver]:
    lock = threading.Lock()

    def accept(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        with lock:
            stored.append((raw, mail_from, recipients))

    with MailReceiver(
        host="127.0.0.1",
        port=0,
        accept=accept,
        max_message_bytes=64 * 1024,
        accepted_recipient_domains=["acme.test"],
        server_hostname="mx.acme.test",
    ) as running:
        yield running


def test_message_arrives_byte_for_byte(receiver: MailReceiver, stored: Stored) -> None:
    raw = RAW + "Grüße 你好\r\n".encode() + b"\x00\xff binary-ish\r\n" + b"y" * 5000 + b"\r\n"
    with smtplib.SMTP("127.0.0.1", receiver.port) as client:
        client.sendmail("a@example.com", ["support@acme.test", "Sales@ACME.test"], raw)
    assert stored == [(raw, "a@example.com", ["support@acme.test", "Sales@ACME.test"])]


def test_failing_accept_answers_451_and_acknowledges_nothing() -> None:
    calls: list[bytes] = []

    def accept(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        calls.append(raw)
        raise OSError("disk full")

    with (
        MailReceiver(accept=accept, server_hostname="mx.acme.test") as receiver,
        smtplib.SMTP("127.0.0.1", receiver.port) as client,
    ):
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail("a@example.com", ["support@acme.test"], RAW)
        assert caught.value.smtp_code == 451
        assert b"4.3.0" in caught.value.smtp_error
    assert calls == [RAW]


def test_oversize_message_is_refused_with_552(receiver: MailReceiver, stored: Stored) -> None:
    big = RAW + (b"x" * 78 + b"\r\n") * 1000
    with smtplib.SMTP("127.0.0.1", receiver.port) as client:
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as caught:
            client.sendmail("a@example.com", ["support@acme.test"], big)
        assert caught.value.smtp_code == 552
        # also when the client does not announce the size up front
        client.ehlo()
        client.mail("a@example.com")
        client.rcpt("support@acme.test")
        code, _ = client.data(big)
        assert code == 552
    assert stored == []


def test_recipient_outside_accepted_domains_gets_550(
    receiver: MailReceiver, stored: Stored
) -> None:
    with smtplib.SMTP("127.0.0.1", receiver.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            client.sendmail("a@example.com", ["someone@elsewhere.example"], RAW)
        assert caught.value.recipients["someone@elsewhere.example"][0] == 550
        refused = client.sendmail("a@example.com", ["x@elsewhere.example", "y@acme.test"], RAW)
    assert list(refused) == ["x@elsewhere.example"]
    assert stored == [(RAW, "a@example.com", ["y@acme.test"])]


def test_200_messages_from_4_threads_arrive_exactly_once(
    receiver: MailReceiver, stored: Stored
) -> None:
    def send_batch(worker: int) -> None:
        with smtplib.SMTP("127.0.0.1", receiver.port) as client:
            for index in range(50):
                body = f"Subject: {worker}-{index}\r\n\r\nmessage {worker}-{index}\r\n".encode()
                client.sendmail("a@example.com", ["support@acme.test"], body)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send_batch, range(4)))
    subjects = sorted(raw.split(b"\r\n", 1)[0] for raw, _, _ in stored)
    expected = sorted(f"Subject: {w}-{i}".encode() for w in range(4) for i in range(50))
    assert subjects == expected  # throughput is measured in benchmarks/bench_mail_intake.py


def test_stop_is_idempotent_and_port_is_unknown_when_stopped(stored: Stored) -> None:
    receiver = MailReceiver(accept=lambda raw, sender, rcpts: None, server_hostname="mx")
    with pytest.raises(RuntimeError):
        _ = receiver.port
    receiver.start()
    port = receiver.port
    receiver.stop()
    receiver.stop()
    with pytest.raises(ConnectionRefusedError), smtplib.SMTP("127.0.0.1", port, timeout=2):
        pass


def test_stop_lets_an_in_flight_delivery_finish() -> None:
    entered, release = threading.Event(), threading.Event()
    stored: list[bytes] = []

    def slow_accept(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        entered.set()
        release.wait(5)
        stored.append(raw)

    receiver = MailReceiver(accept=slow_accept, server_hostname="mx", shutdown_grace=5)
    receiver.start()
    result: list[object] = []

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", receiver.port) as client:
            result.append(client.sendmail("a@example.com", ["b@acme.test"], RAW))

    sender = threading.Thread(target=send)
    sender.start()
    assert entered.wait(5)
    stopper = threading.Thread(target=receiver.stop)
    stopper.start()
    time.sleep(0.1)
    release.set()
    stopper.join(5)
    sender.join(5)
    assert result == [{}]
    assert stored == [RAW]


def test_serve_forever_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "serve.py"
    script.write_text(
        "import sys\n"
        "from cxhub.service.mail.receiver import MailReceiver\n"
        "receiver = MailReceiver(accept=lambda *args: None, server_hostname='mx')\n"
        "receiver.start()\n"
        "print(receiver.port, flush=True)\n"
        "receiver.serve_forever()\n"
        "print('stopped', flush=True)\n"
    )
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with smtplib.SMTP("127.0.0.1", port) as client:
            assert client.sendmail("a@example.com", ["b@acme.test"], RAW) == {}
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        if process.poll() is None:
            process.kill()
