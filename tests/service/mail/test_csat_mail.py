"""The CSAT request travels by real SMTP, in the requester's language, with working links."""

from __future__ import annotations

import email
import re
import time
from email.message import EmailMessage
from email.policy import default

from fastapi.testclient import TestClient

from tests.factories import unique
from tests.service.mail.conftest import Desk, Mx


def _wait_for(mx: Mx, recipient: str, timeout: float = 10.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with mx.lock:
            for raw, _sender, recipients in mx.received:
                if recipient in recipients:
                    parsed = email.message_from_bytes(raw, policy=default)
                    assert isinstance(parsed, EmailMessage)
                    return parsed
        time.sleep(0.05)
    raise AssertionError(f"no mail reached {recipient}")


def test_solving_mails_a_one_click_csat_request_in_italian(
    mail_client: TestClient, desk: Desk, customer_mx: Mx
) -> None:
    customer = f"{unique('giulia')}@customer.test"
    ticket = mail_client.post(
        "/api/v1/tickets",
        json={
            "subject": "Fattura doppia",
            "description": "Mi avete addebitato due volte.",
            "channel": "email",
            "requester": {"emails": [customer], "first_name": "Giulia", "locale": "it-IT"},
        },
        headers=desk.tenant.admin,
    ).json()
    solved = mail_client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=desk.tenant.admin
    )
    assert solved.status_code == 200, solved.text
    message = _wait_for(customer_mx, customer)
    assert message["Subject"].startswith("Come siamo andati? Fattura doppia")
    assert "[#CX-" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-replied"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    links = re.findall(r"https?://\S+/csat/(\S+)\?score=(\d)", text)
    assert [score for _token, score in links] == ["1", "2", "3", "4", "5"]
    token = links[0][0]
    page = mail_client.get(f"/csat/{token}?score=5")
    assert page.status_code == 200, page.text
    rated = mail_client.get(
        f"/api/v1/tickets/{ticket['id']}/csat", headers=desk.tenant.admin
    ).json()
    assert rated["score"] == 5


def test_a_trigger_notification_to_an_address_goes_out_by_mail(
    mail_client: TestClient, desk: Desk, customer_mx: Mx
) -> None:
    oncall = f"{unique('oncall')}@example.com"
    trigger = mail_client.post(
        "/api/v1/triggers",
        json={
            "name": "outage alert",
            "all": [
                {"field": "event", "op": "is", "value": "ticket_created"},
                {"field": "subject", "op": "contains", "value": "outage"},
            ],
            "actions": [
                {
                    "type": "notify",
                    "recipients": [oncall],
                    "subject": "Outage on #{{ ticket.number }}",
                    "body": "{{ requester.name }} reported an outage.",
                }
            ],
        },
        headers=desk.tenant.admin,
    )
    assert trigger.status_code == 201, trigger.text
    ticket = mail_client.post(
        "/api/v1/tickets",
        json={
            "subject": "Total outage in Milan",
            "description": "Nothing works.",
            "requester": {"emails": [f"{unique('r')}@customer.test"], "first_name": "Rosa"},
        },
        headers=desk.tenant.admin,
    ).json()
    message = _wait_for(customer_mx, oncall)
    assert message["Subject"].startswith(f"Outage on #{ticket['number']}")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Rosa reported an outage." in body.get_content()
