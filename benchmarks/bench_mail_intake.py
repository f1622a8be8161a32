"""Inbound e-mail throughput: SMTP acknowledgements and mails turned into tickets per second.

Sends `--mails` realistic messages with smtplib from `--threads` client threads (one connection
per thread, as a relay does) to the real `MailboxReceiver` writing into a fresh SQLite database
(each `250` after the commit), with processing on the in-process job worker. Reports acknowledged
mails/s, processed mails/s (until every mail is a ticket), ack latency p50/p99, peak RSS, and the
ratio to a baseline in the same run: the same receiver with an `accept` that only appends to a
list. Verifies that no mail was lost (tickets, messages and inbound rows are counted).

    .venv/bin/python -m benchmarks.bench_mail_intake [--mails 2000] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import smtplib
import sqlite3
import statistics
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.results import Figure, record
from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from cxhub.people import service as people
from cxhub.service.mail.listener import MailboxReceiver
from cxhub.service.mail.mailboxes import create_mailbox
from cxhub.service.mail.models import InboundEmail, InboundStatus
from cxhub.service.mail.receiver import MailReceiver
from cxhub.service.mail.schemas import MailboxCreate
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage

SUPPORT = "support@acme.test"
FIRST = ["Ann", "Marco", "Giulia", "Budi", "Siti", "Wei", "Li", "John", "Maria", "Dewi"]
LAST = ["Lee", "Rossi", "Bianchi", "Santoso", "Wang", "Zhang", "Smith", "Brown", "Lestari"]
SUBJECTS = [
    "Cannot log in after the update",
    "Invoice 2026-0412 is wrong",
    "Fattura non ricevuta",
    "Pesanan saya belum sampai",
    "订单还没有到",
    "Export to CSV times out",
    "Please cancel my subscription",
]
PARAGRAPH = (
    "Hello, since this morning the dashboard shows an error when I open the reports page. "
    "I tried another browser and cleared the cache, but nothing changed. Could you look into "
    "it? Our team needs the numbers for a meeting this afternoon.\n"
)


def build_mails(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    mails = []
    for index in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        address = f"{first.lower()}.{last.lower()}{rng.randrange(800)}@customer{index % 7}.test"
        message = EmailMessage()
        message["From"] = f"{first} {last} <{address}>"
        message["To"] = SUPPORT
        message["Subject"] = rng.choice(SUBJECTS)
        message["Message-ID"] = make_msgid(domain="customer.test")
        text = PARAGRAPH * rng.randint(1, 4) + f"\nThanks,\n{first}\n\n-- \n{first} {last}\n"
        message.set_content(text)
        message.add_alternative(
            "<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body>"
            "</html>",
            subtype="html",
        )
        if rng.random() < 0.1:
            message.add_attachment(
                rng.randbytes(20_000), maintype="image", subtype="png", filename="screenshot.png"
            )
        mails.append(message.as_bytes())
    return mails


def send_all(port: int, mails: list[bytes], threads: int) -> tuple[float, list[float]]:
    """Send every mail; returns (elapsed seconds, per-message ack latencies in ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(chunk: list[bytes]) -> None:
        own: list[float] = []
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for raw in chunk:
                    started = time.perf_counter()
                    client.sendmail("customer@customer.test", [SUPPORT], raw)
                    own.append((time.perf_counter() - started) * 1000)
        except BaseException as error:
            errors.append(error)
        with lock:
            latencies.extend(own)

    chunks = [mails[i::threads] for i in range(threads)]
    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    mails = build_mails(args.mails, args.seed)
    size = sum(len(m) for m in mails)
    print(f"{args.mails} mails, {size / 1024 / 1024:.1f} MiB, {args.threads} client threads")

    baseline_store: list[bytes] = []
    baseline_lock = threading.Lock()

    def append_only(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        with baseline_lock:
            baseline_store.append(raw)

    with MailReceiver(port=0, accept=append_only, server_hostname="bench") as baseline:
        base_elapsed, base_latencies = send_all(baseline.port, mails, args.threads)
    assert len(baseline_store) == args.mails

    with tempfile.TemporaryDirectory(prefix="cxhub-mail-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), jobs_backend="inprocess", log_level="WARNING")
        upgrade_database(settings.effective_database_url)
        runtime = build_runtime(settings)
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="acme", name="Acme")
            session.info["workspace_id"] = workspace.id
            create_mailbox(session, workspace_id=workspace.id, data=MailboxCreate(address=SUPPORT))
        receiver = MailboxReceiver(runtime, port=0, server_hostname="bench")
        receiver.start()
        started = time.perf_counter()
        ack_elapsed, latencies = send_all(receiver.port, mails, args.threads)
        runtime.job_queue.drain(timeout=600)
        processed_elapsed = time.perf_counter() - started
        receiver.stop()
        with unit_of_work(runtime.session_factory, workspace.id) as session:
            tickets = session.scalar(select(func.count(Ticket.id))) or 0
            messages = session.scalar(select(func.count(TicketMessage.id))) or 0
            attachments = session.scalar(select(func.count(TicketAttachment.id))) or 0
            statuses = dict(
                session.execute(
                    select(InboundEmail.status, func.count(InboundEmail.id)).group_by(
                        InboundEmail.status
                    )
                ).all()
            )
        runtime.close()
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    rows = [
        ("baseline (append to list)", base_elapsed, base_latencies, None),
        ("cxhub (store + commit, then process)", ack_elapsed, latencies, processed_elapsed),
    ]
    print("| receiver | acked mails/s | processed mails/s | ack p50 ms | ack p99 ms |")
    print("|---|--:|--:|--:|--:|")
    for name, elapsed, values, processed in rows:
        processed_rate = f"{args.mails / processed:.0f}" if processed else "-"
        print(
            f"| {name} | {args.mails / elapsed:.0f} | {processed_rate} | "
            f"{statistics.median(values):.2f} | {percentile(values, 0.99):.2f} |"
        )
    print(
        f"ratio acked/s cxhub : baseline = {base_elapsed / ack_elapsed:.2f}; "
        f"p50 latency ratio = {statistics.median(latencies) / statistics.median(base_latencies):.1f}x"
    )
    print(f"peak RSS {peak_rss_mib:.0f} MiB")
    lost = args.mails - statuses.get(InboundStatus.PROCESSED, 0)
    record(
        Figure(
            scenario="ingest: e-mail over SMTP (acknowledged once stored)",
            unit="mails",
            throughput=args.mails / ack_elapsed,
            p50_ms=statistics.median(latencies),
            p99_ms=percentile(latencies, 0.99),
            peak_mb=peak_rss_mib,
            baseline_name="SMTP receiver appending to a list",
            baseline_throughput=args.mails / base_elapsed,
            baseline_p99_ms=percentile(base_latencies, 0.99),
            target=">= 100 mails/s acknowledged, none lost",
            target_met=args.mails / ack_elapsed >= 100 and lost == 0,
            details={
                "mails": args.mails,
                "processed_per_s": round(args.mails / processed_elapsed, 1),
            },
        )
    )
    print(f"tickets {tickets}, messages {messages}, attachments {attachments}, inbound {statuses}")
    processed_ok = statuses.get(InboundStatus.PROCESSED, 0)
    lost = args.mails - processed_ok
    print("none lost" if lost == 0 and tickets == args.mails == messages else f"LOST {lost}")
    if lost or tickets != args.mails:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
