"""Portal fixtures: the mail channel's real SMTP relay (the customer's mail server keeps what it
receives), a workspace with a support mailbox and its portal on, and customers who sign in by
the link that mail server received."""

from __future__ import annotations

import email
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import unique
from tests.service.mail.conftest import (  # noqa: F401 - fixtures shared with the mail tests
    Desk,
    Mx,
    customer_mx,
    desk,
    mail_client,
    mail_runtime,
    mail_settings,
)


def wait_for_mail(mx: Mx, recipient: str, *, after: int = 0, timeout: float = 10.0) -> EmailMessage:
    """The first message to `recipient` among those received after the first `after` ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with mx.lock:
            for raw, _sender, recipients in mx.received[after:]:
                if recipient in recipients:
                    parsed = email.message_from_bytes(raw, policy=default)
                    assert isinstance(parsed, EmailMessage)
                    return parsed
        time.sleep(0.05)
    raise AssertionError(f"no mail reached {recipient}")


def mails_to(mx: Mx, recipient: str) -> int:
    with mx.lock:
        return sum(1 for _raw, _sender, recipients in mx.received if recipient in recipients)


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://[^/\s]+(/portal/\S+/sign-in/\S+)", body.get_content())
    assert found is not None, body.get_content()
    return found.group(1)


def form_field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no {name} field on the page"
    return found.group(1)


@dataclass
class Portal:
    """A workspace with a mailbox and its portal on."""

    desk: Desk
    client: TestClient
    mx: Mx

    @property
    def slug(self) -> str:
        return self.desk.tenant.slug

    def path(self, tail: str = "") -> str:
        return f"/portal/{self.slug}{tail}"

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(
            method, f"/api/v1{path}", headers=self.desk.tenant.admin, **kwargs
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def contact(
        self, *, locale: str | None = None, account_id: int | None = None
    ) -> tuple[int, str]:
        address = f"{unique('cust')}@customer.test"
        body: dict[str, Any] = {"first_name": "Cara", "emails": [address]}
        if locale:
            body["locale"] = locale
        if account_id:
            body["account_id"] = account_id
        return int(self.api("POST", "/contacts", json=body)["id"]), address

    def browser(self) -> TestClient:
        """A cookie jar of its own: one customer's browser."""
        return TestClient(self.client.app)

    def request_link(self, browser: TestClient, address: str) -> Any:
        page = browser.get(self.path("/sign-in"))
        assert page.status_code == 200, page.text
        return browser.post(
            self.path("/sign-in"),
            data={"email": address, "form_token": form_field(page.text, "form_token")},
        )

    def sign_in(self, browser: TestClient, address: str) -> str:
        """Request a link, take it from the customer's mailbox, confirm it; the page's CSRF token."""
        before = len(self.mx.received)
        assert self.request_link(browser, address).status_code == 200
        link = link_in(wait_for_mail(self.mx, address, after=before))
        assert browser.get(link).status_code == 200
        signed_in = browser.post(link, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        tickets = browser.get(self.path("/tickets"))
        assert tickets.status_code == 200
        return form_field(tickets.text, "csrf_token")


@pytest.fixture
def portal(desk: Desk, mail_client: TestClient, customer_mx: Mx) -> Portal:  # noqa: F811
    built = Portal(desk, mail_client, customer_mx)
    built.api("PUT", "/portal/settings", json={"enabled": True, "display_name": "Acme Help"})
    return built


@pytest.fixture
def browser(portal: Portal) -> Iterator[TestClient]:
    with portal.browser() as jar:
        yield jar
