"""The SMTP receiver wired to the database: `250` only after the message is committed.

`MailboxReceiver` refuses (`550`) recipients that are no workspace's mailbox, so cxhub is never
an open relay, and stores each accepted message with `store_inbound` in a unit of work of its
own; the commit releases the `mail.process_inbound` jobs. Used by `cxhub mail serve`, the tests
and the benchmark alike.
"""

from __future__ import annotations

import logging
from typing import Any

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.service.mail.inbound import store_inbound
from cxhub.service.mail.mailboxes import is_routable
from cxhub.service.mail.receiver import MailReceiver

log = logging.getLogger(__name__)


class NoMailboxForRecipients(RuntimeError):
    """Every recipient's mailbox disappeared between RCPT and DATA; the sender retries (451)."""


class MailboxReceiver(MailReceiver):
    """A `MailReceiver` whose recipients and storage are the runtime's mailboxes and database."""

    def __init__(self, runtime: Runtime, **options: Any) -> None:
        super().__init__(accept=self.store, **options)
        self.runtime = runtime

    def accepts_recipient(self, address: str) -> bool:
        session = self.runtime.read_session()
        try:
            return is_routable(session, address)
        finally:
            session.close()

    def store(self, raw: bytes, mail_from: str, recipients: list[str]) -> None:
        with unit_of_work(self.runtime.session_factory, SYSTEM_SCOPE) as session:
            rows = store_inbound(session, raw, mail_from, recipients)
        if not rows:
            raise NoMailboxForRecipients(f"no mailbox for {recipients}")
        log.debug("stored inbound mail %s", [row.id for row in rows])
