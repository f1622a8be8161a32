"""Receive inbound mail over SMTP, acknowledging a message only once it is stored.

The acknowledgement rule is the whole point of this module: SMTP hands responsibility for a
message over at the `250` after DATA. The receiver therefore calls `accept(raw, mail_from,
recipients)` first, in a worker thread so the event loop keeps serving other connections, and
answers `250` only after `accept` returned (the caller stores the raw message durably in it). If
`accept` raises, the answer is `451 4.3.0` and the sending server keeps the message and retries
later: no mail is lost between "acknowledged" and "stored".

The server is aiosmtpd's SMTP protocol on an asyncio loop that runs in a thread of its own, so it
can be embedded in tests and in the CLI alike. `stop()` stops accepting connections, lets
deliveries in progress finish (up to `shutdown_grace` seconds), then closes idle sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import weakref
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import Any, Self

from aiosmtpd.smtp import SMTP

logger = logging.getLogger(__name__)

AcceptMail = Callable[[bytes, str, list[str]], None]
"""Stores one message durably: `(raw bytes, envelope sender, envelope recipients)`."""

DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
TEMPORARY_FAILURE = "451 4.3.0 temporary failure, please retry later"


MAX_LINE_BYTES = 64 * 1024


class _LenientSMTP(SMTP):
    """aiosmtpd's SMTP session, accepting lines longer than RFC 5321's 1000 bytes.

    Some mail generators (invoicing tools, old web forms) send long lines; refusing them with
    `500` would bounce a customer's mail, so lines up to `MAX_LINE_BYTES` are taken as they are.
    """

    line_length_limit = MAX_LINE_BYTES


class _Handler:
    """aiosmtpd hooks: recipient-domain filter and the store-then-acknowledge DATA step."""

    def __init__(self, receiver: MailReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self.receiver.accepts_recipient(address):
            return "550 5.1.1 recipient not accepted here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        mail_from = str(envelope.mail_from or "")
        recipients = [str(recipient) for recipient in envelope.rcpt_tos]
        self.receiver.in_flight += 1
        try:
            await asyncio.to_thread(self.receiver.accept, bytes(raw), mail_from, recipients)
        except Exception:
            logger.exception(
                "storing an inbound message failed; answered 451 so the sender retries",
                extra={"mail_from": mail_from, "recipients": recipients, "size": len(raw)},
            )
            return TEMPORARY_FAILURE
        finally:
            self.receiver.in_flight -= 1
        return "250 2.0.0 OK: message stored"


class MailReceiver:
    """An SMTP server that hands every message to `accept` before acknowledging it.

    `port=0` picks a free port; read it from `port` after `start()`. Recipients outside
    `accepted_recipient_domains` (when given) are refused with `550`; messages larger than
    `max_message_bytes` with `552` (advertised as the SMTP SIZE limit).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        accept: AcceptMail,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        accepted_recipient_domains: Iterable[str] | None = None,
        server_hostname: str | None = None,
        shutdown_grace: float = 30.0,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.accept = accept
        self.max_message_bytes = max_message_bytes
        self.accepted_recipient_domains = (
            None
            if accepted_recipient_domains is None
            else frozenset(domain.lower().strip(".") for domain in accepted_recipient_domains)
        )
        # resolved once: aiosmtpd would otherwise call getfqdn() on every connection
        self.server_hostname = server_hostname or socket.getfqdn()
        self.shutdown_grace = shutdown_grace
        self.in_flight = 0
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._startup_error: BaseException | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    @property
    def port(self) -> int:
        """The port actually bound (useful with `port=0`); only known once started."""
        if self._port is None:
            raise RuntimeError("the receiver is not running")
        return self._port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def accepts_recipient(self, address: str) -> bool:
        """Whether mail for `address` is taken (always, without a domain list)."""
        if self.accepted_recipient_domains is None:
            return True
        domain = address.strip().strip("<>").rpartition("@")[2].lower().strip(".")
        return domain in self.accepted_recipient_domains

    def _new_session(self) -> SMTP:
        session = _LenientSMTP(
            _Handler(self),
            data_size_limit=self.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.server_hostname,
            ident="cxhub",
            loop=self._loop,
        )
        self._sessions.add(session)
        return session

    def start(self) -> None:
        """Bind and serve in a background thread; raises if the address cannot be bound."""
        if self.running:
            raise RuntimeError("the receiver is already running")
        self._ready.clear()
        self._stopped.clear()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, name="cxhub-smtp", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start(); the thread must not die silently
            if not self._ready.is_set():
                self._startup_error = error
            else:
                logger.exception("the SMTP receiver stopped unexpectedly")
        finally:
            self._ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None
            self._stopped.set()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        server = await loop.create_server(
            self._new_session, host=self.host, port=self._requested_port
        )
        self._port = int(server.sockets[0].getsockname()[1])
        logger.info("SMTP receiver listening on %s:%s", self.host, self._port)
        self._ready.set()
        await self._stop_requested.wait()
        server.close()
        deadline = loop.time() + self.shutdown_grace
        while self.in_flight and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for session in list(self._sessions):
            transport = getattr(session, "transport", None)
            if transport is not None:
                transport.close()
        await asyncio.sleep(0)
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        await server.wait_closed()
        logger.info("SMTP receiver on %s:%s stopped", self.host, self._port)

    def stop(self) -> None:
        """Stop accepting, let in-flight deliveries finish, close sessions; idempotent."""
        loop, stop_requested, thread = self._loop, self._stop_requested, self._thread
        if thread is None:
            return
        if loop is not None and stop_requested is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed since the check
                loop.call_soon_threadsafe(stop_requested.set)
        thread.join()
        self._thread = None
        self._port = None

    def serve_forever(self) -> None:
        """Serve until SIGINT/SIGTERM (or `stop()` from another thread), then stop gracefully.

        Signal handlers are installed only when called from the main thread, and the previous
        handlers are restored afterwards.
        """
        shutdown = threading.Event()
        previous: dict[int, Any] = {}

        def request_shutdown(signum: int, frame: FrameType | None) -> None:
            logger.info("signal %s received, stopping the SMTP receiver", signum)
            shutdown.set()

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, request_shutdown)
        try:
            if not self.running:
                self.start()
            while not shutdown.is_set() and not self._stopped.is_set():
                shutdown.wait(0.2)
        finally:
            self.stop()
            for handled, handler in previous.items():
                signal.signal(handled, handler)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
