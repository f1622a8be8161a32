"""Mail channel fixtures: a runtime whose replies go through a real SMTP relay (a second
`MailReceiver` playing the customer's mail server), the support receiver wired to the database,
and a workspace with a support mailbox."""

from __future__ import annotations

import smtplib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from fastapi.testclient import TestClient

from cxhub.api.app import create_app
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.service.mail.listener import MailboxReceiver
from cxhub.service.mail.receiver import MailReceiver
from tests.factories import Tenant, make_tenant


@dataclass
class Mx:
    """The customer's mail server: keeps what it receives."""

    receiver: MailReceiver
    received: list[tuple[bytes, str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module")
def customer_mx() -> Iterator[Mx]:
    mx = Mx(receiver=MailReceiver(port=0, accept=lambda *_: None, server_hostname="mx.test"))

    def accept(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        with mx.lock:
            mx.received.append((raw, mail_from, recipients))

    mx.receiver.accept = accept
    mx.receiver.start()
    yield mx
    mx.receiver.stop()


@pytest.fixture(scope="module")
def mail_settings(settings: Settings, customer_mx: Mx) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": customer_mx.receiver.port,
            "smtp_security": "none",
            "smtp_timeout": 5.0,
        }
    )


@pytest.fixture(scope="module")
def mail_runtime(mail_settings: Settings) -> Iterator[Runtime]:
    active = build_runtime(mail_settings)
    yield active
    active.close()


@pytest.fixture(scope="module")
def mail_client(mail_settings: Settings, mail_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings, mail_runtime)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def support_smtp(mail_runtime: Runtime) -> Iterator[MailboxReceiver]:
    receiver = MailboxReceiver(mail_runtime, port=0, server_hostname="support.test")
    receiver.start()
    yield receiver
    receiver.stop()


@dataclass
class Desk:
    """A workspace with a support mailbox."""

    tenant: Tenant
    address: str
    domain: str


@pytest.fixture
def desk(mail_runtime: Runtime, mail_client: TestClient) -> Desk:
    tenant = make_tenant(mail_runtime)
    domain = f"{uuid.uuid4().hex[:8]}.acme.test"
    address = f"support@{domain}"
    response = mail_client.post(
        "/api/v1/mailboxes",
        json={"address": address, "display_name": "Acme Support"},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    return Desk(tenant, address, domain)


def customer_mail(
    *,
    to: str,
    sender: str = "Ann Lee <ann@customer.test>",
    subject: str = "Printer on fire",
    body: str = "Hello, my printer is on fire.\n",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send(receiver: MailReceiver, message: EmailMessage | bytes, *, to: str, sender: str) -> None:
    with smtplib.SMTP("127.0.0.1", receiver.port, timeout=10) as client:
        if isinstance(message, bytes):
            client.sendmail(sender, [to], message)
        else:
            client.send_message(message, from_addr=sender, to_addrs=[to])
