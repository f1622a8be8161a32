"""The SMTP receiver wired to the database: `250` only after the message is committed.

`MailboxReceiver` refuses (`550`) recipients that are no workspace's mailbox, so cxhub is never
an open relay, and stores accepted messages with `store_inbound`; the commit releases the
`mail.process_inbound` jobs. Used by `cxhub mail serve`, the tests and the benchmark alike.

Two things keep acknowledgements fast while the same process turns mail into tickets:

- **group commit**: concurrent deliveries are handed to one writer thread, which stores every
  message waiting at that moment in one unit of work and one commit, then releases each sender's
  `250` (a failed commit answers `451` to each, and the senders retry);
- **storing before processing** (`IntakeGate`): SQLite has one writer at a time and its busy
  handler is not fair, so a worker processing mail back to back could keep a storing thread
  waiting for seconds. Processing therefore waits while a store is pending (at most
  `MAX_PROCESSING_DEFERRAL` seconds, so a sustained burst cannot starve it).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.service.mail.inbound import store_inbound
from cxhub.service.mail.mailboxes import is_routable
from cxhub.service.mail.receiver import MailReceiver

log = logging.getLogger(__name__)

MAX_BATCH = 64
MAX_PROCESSING_DEFERRAL = 2.0


class NoMailboxForRecipients(RuntimeError):
    """Every recipient's mailbox disappeared between RCPT and DATA; the sender retries (451)."""


class IntakeGate:
    """Orders one process's inbound-mail writers: pending stores go before processing."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._busy = False
        self._owner: int | None = None
        self._stores_waiting = 0

    @contextmanager
    def storing(self) -> Iterator[None]:
        with self._condition:
            self._stores_waiting += 1
            while self._busy:
                self._condition.wait()
            self._stores_waiting -= 1
            self._busy = True
            self._owner = threading.get_ident()
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def processing(self) -> Iterator[None]:
        if self._owner == threading.get_ident():
            # jobs run inline by the commit of this thread's store (the `sync` backend)
            yield
            return
        deadline = time.monotonic() + MAX_PROCESSING_DEFERRAL
        with self._condition:
            while self._busy or (self._stores_waiting and time.monotonic() < deadline):
                self._condition.wait(timeout=max(0.0, deadline - time.monotonic()) or None)
            self._busy = True
            self._owner = threading.get_ident()
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._condition:
            self._busy = False
            self._owner = None
            self._condition.notify_all()


_GATES: weakref.WeakKeyDictionary[sessionmaker[Session], IntakeGate] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def intake_gate(factory: sessionmaker[Session]) -> IntakeGate:
    """The gate shared by everything in this process that writes inbound mail via `factory`."""
    with _GATES_LOCK:
        gate = _GATES.get(factory)
        if gate is None:
            gate = _GATES[factory] = IntakeGate()
        return gate


@dataclass
class _Delivery:
    raw: bytes
    mail_from: str
    recipients: list[str]
    done: Future[None] = field(default_factory=Future)


class MailboxReceiver(MailReceiver):
    """A `MailReceiver` whose recipients and storage are the runtime's mailboxes and database."""

    def __init__(self, runtime: Runtime, **options: Any) -> None:
        super().__init__(accept=self.store, **options)
        self.runtime = runtime
        self.gate = intake_gate(runtime.session_factory)
        self._pending: queue.Queue[_Delivery | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def accepts_recipient(self, address: str) -> bool:
        session = self.runtime.read_session()
        try:
            return is_routable(session, address)
        finally:
            session.close()

    def store(self, raw: bytes, mail_from: str, recipients: list[str]) -> None:
        """Called by the SMTP session (in a worker thread); returns once the mail is committed."""
        self._ensure_writer()
        delivery = _Delivery(raw, mail_from, recipients)
        self._pending.put(delivery)
        delivery.done.result()

    def _ensure_writer(self) -> None:
        with self._writer_lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_batches, name="cxhub-mail-writer", daemon=True
                )
                self._writer.start()

    def _write_batches(self) -> None:
        while True:
            first = self._pending.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._pending.put(None)
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[_Delivery]) -> None:
        outcomes: list[BaseException | None] = []
        try:
            with (
                self.gate.storing(),
                unit_of_work(self.runtime.session_factory, SYSTEM_SCOPE) as session,
            ):
                for delivery in batch:
                    rows = store_inbound(
                        session, delivery.raw, delivery.mail_from, delivery.recipients
                    )
                    outcomes.append(
                        None
                        if rows
                        else NoMailboxForRecipients(f"no mailbox for {delivery.recipients}")
                    )
        except BaseException as error:  # the commit failed: every sender gets 451 and retries
            for delivery in batch:
                delivery.done.set_exception(error)
            return
        for delivery, outcome in zip(batch, outcomes, strict=True):
            if outcome is None:
                delivery.done.set_result(None)
            else:
                delivery.done.set_exception(outcome)

    def stop(self) -> None:
        super().stop()
        with self._writer_lock:
            if self._writer is not None:
                self._pending.put(None)
                self._writer.join(timeout=10)
                self._writer = None
