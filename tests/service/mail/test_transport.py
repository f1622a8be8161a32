"""SmtpTransport against a real SMTP server: delivered, permanent and transient failures."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from cxhub.service.mail.compose import compose_reply
from cxhub.service.mail.parsing import parse_email
from cxhub.service.mail.receiver import MailReceiver
from cxhub.service.mail.transport import (
    DeliveryError,
    PermanentDeliveryError,
    SmtpTransport,
    TransientDeliveryError,
)

Stored = list[tuple[bytes, str, list[str]]]


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
        accept=accept, accepted_recipient_domains=["example.com"], server_hostname="mx"
    ) as running:
        yield running


def _message(to: str = "Jane <jane@example.com>") -> EmailMessage:
    return compose_reply(
        from_address="support@acme.test",
        from_name="Support",
        to=to,
        subject="Your order",
        text="Shipped today — 今天发货",
        message_id_domain="acme.test",
        ticket_number=3,
    )


def test_send_delivers_with_envelope_from_headers(receiver: MailReceiver, stored: Stored) -> None:
    message = _message()
    SmtpTransport("127.0.0.1", receiver.port, timeout=5).send(message)
    [(raw, mail_from, recipients)] = stored
    assert (mail_from, recipients) == ("support@acme.test", ["jane@example.com"])
    parsed = parse_email(raw)
    assert parsed.subject == "Your order [#CX-3]"
    assert parsed.text == "Shipped today — 今天发货"


def test_explicit_envelope(receiver: MailReceiver, stored: Stored) -> None:
    SmtpTransport("127.0.0.1", receiver.port).send(
        _message(),
        envelope_from="bounces+3@acme.test",
        recipients=["cc@example.com"],
    )
    assert [(sender, rcpts) for _, sender, rcpts in stored] == [
        ("bounces+3@acme.test", ["cc@example.com"])
    ]


def test_rejected_recipient_is_permanent(receiver: MailReceiver, stored: Stored) -> None:
    transport = SmtpTransport("127.0.0.1", receiver.port)
    with pytest.raises(PermanentDeliveryError) as caught:
        transport.send(_message("someone@elsewhere.test"))
    assert caught.value.code == 550
    assert "someone@elsewhere.test" in caught.value.refused
    assert stored == []


def test_partial_refusal_says_who_got_it(receiver: MailReceiver, stored: Stored) -> None:
    transport = SmtpTransport("127.0.0.1", receiver.port)
    with pytest.raises(PermanentDeliveryError) as caught:
        transport.send(
            _message(),
            recipients=["jane@example.com", "x@elsewhere.test"],
        )
    assert caught.value.accepted == ("jane@example.com",)
    assert list(caught.value.refused) == ["x@elsewhere.test"]
    assert len(stored) == 1


def test_temporary_server_failure_is_transient() -> None:
    def accept(raw: bytes, mail_from: str, recipients: list[str]) -> None:
        raise RuntimeError("database down")

    with (
        MailReceiver(accept=accept, server_hostname="mx") as receiver,
        pytest.raises(TransientDeliveryError) as caught,
    ):
        SmtpTransport("127.0.0.1", receiver.port).send(_message())
    assert caught.value.code == 451


def test_closed_port_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientDeliveryError) as caught:
        SmtpTransport("127.0.0.1", port, timeout=2).send(_message())
    assert caught.value.code == 0
    assert isinstance(caught.value, DeliveryError)


def test_password_is_never_shown(receiver: MailReceiver) -> None:
    transport = SmtpTransport(
        "127.0.0.1", receiver.port, username="agent", password="hunter2-secret"
    )
    assert "hunter2" not in repr(transport)
    with pytest.raises(DeliveryError) as caught:  # the test server offers no AUTH
        transport.send(_message())
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caught.value.detail


def test_unknown_security_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="security"):
        SmtpTransport("localhost", 25, security="tls")
