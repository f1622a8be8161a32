"""The public support form and its JSON twin: tickets from anonymous visitors, spam refused."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.settings import Settings
from cxhub.service.channels import webform
from cxhub.service.tickets.models import Ticket, TicketAttachment
from tests.api.problems import assert_problem
from tests.factories import Tenant

ITALIAN = {"Accept-Language": "it-IT,it;q=0.9"}


@pytest.fixture
def web(client: TestClient) -> Iterator[TestClient]:
    client.cookies.clear()
    yield client
    client.cookies.clear()


def _token(settings: Settings, tenant: Tenant, *, age: float = 10) -> str:
    return webform.form_token(str(settings.secret_key), tenant.slug, now=time.time() - age)


def _fields(settings: Settings, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "subject": "Broken invoice",
        "description": "The total is wrong",
        "website": "",
        "form_token": _token(settings, tenant),
        **changes,
    }


def _tickets(tenant: Tenant) -> int:
    with tenant.session() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_form_renders_in_the_visitors_language(web: TestClient, tenant: Tenant) -> None:
    page = web.get(f"/support/{tenant.slug}", headers=ITALIAN)
    assert page.status_code == 200
    assert page.headers["content-language"] == "it"
    assert "Contatta l&#39;assistenza" in page.text or "Contatta l'assistenza" in page.text
    assert "Come possiamo aiutarti?" in page.text
    assert re.search(r'name="form_token" value="\d+\.[0-9a-f]{64}"', page.text)
    assert 'name="website"' in page.text
    assert web.get("/support/no-such-workspace").status_code == 404


def test_submission_opens_a_web_ticket(web: TestClient, tenant: Tenant, settings: Settings) -> None:
    response = web.post(
        f"/support/{tenant.slug}",
        data=_fields(settings, tenant),
        files={"attachment": ("invoice.pdf", b"%PDF-1.4 fake", "application/pdf")},
        headers=ITALIAN,
    )
    assert response.status_code == 200, response.text
    assert "Grazie! Abbiamo ricevuto la tua richiesta." in response.text
    number = int(re.search(r"Il numero del tuo ticket è (\d+)\.", response.text).group(1))  # type: ignore[union-attr]
    with tenant.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assert ticket.channel.value == "web"
        assert ticket.subject == "Broken invoice"
        assert ticket.language == "it"
        attachments = list(session.scalars(select(TicketAttachment)))
        assert [(a.filename, a.message_id is not None) for a in attachments] == [
            ("invoice.pdf", True)
        ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"website": "http://spam.example"}, "Non è stato possibile inviare il tuo messaggio."),
        ({"form_token": "now"}, "Il modulo è scaduto. Invialo di nuovo."),
        ({"email": "not-an-email"}, "Inserisci un indirizzo email valido."),
        ({"subject": ""}, "Compila tutti i campi."),
        (
            {"description": "see http://a.io http://b.io www.c.io https://d.io"},
            "Il tuo messaggio contiene troppi link.",
        ),
    ],
)
def test_rejected_submission_keeps_what_was_typed(
    web: TestClient, tenant: Tenant, settings: Settings, changes: dict[str, Any], message: str
) -> None:
    response = web.post(
        f"/support/{tenant.slug}", data=_fields(settings, tenant, **changes), headers=ITALIAN
    )
    assert response.status_code == 400
    assert message in response.text
    assert "Ada Lovelace" in response.text
    assert _tickets(tenant) == 0


def test_too_fast_and_too_old_forms_are_rejected(
    web: TestClient, tenant: Tenant, settings: Settings
) -> None:
    for age, text in ((0, "too quickly"), (25 * 3600, "expired")):
        fields = _fields(settings, tenant, form_token=_token(settings, tenant, age=age))
        response = web.post(f"/support/{tenant.slug}", data=fields)
        assert response.status_code == 400
        assert text in response.text
    other_workspace_token = webform.form_token(
        str(settings.secret_key), "other-slug", now=time.time() - 10
    )
    forged = web.post(
        f"/support/{tenant.slug}", data=_fields(settings, tenant, form_token=other_workspace_token)
    )
    assert forged.status_code == 400
    assert _tickets(tenant) == 0


def test_rate_limit_answers_429_after_five(
    web: TestClient, tenant: Tenant, settings: Settings
) -> None:
    for _ in range(webform.SUBMISSIONS_PER_WINDOW):
        ok = web.post(f"/support/{tenant.slug}", data=_fields(settings, tenant))
        assert ok.status_code == 200, ok.text
    limited = web.post(f"/support/{tenant.slug}", data=_fields(settings, tenant))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many requests" in limited.text
    assert "Broken invoice" in limited.text
    api = web.post(
        f"/api/v1/public/{tenant.slug}/tickets",
        json={"name": "A", "email": "a@example.com", "subject": "s", "description": "d"},
    )
    assert_problem(api, 429, "rate-limited")
    assert int(api.headers["retry-after"]) > 0
    assert _tickets(tenant) == webform.SUBMISSIONS_PER_WINDOW


def test_json_public_route(client: TestClient, tenant: Tenant) -> None:
    body = {"name": "Ada", "email": "ada@example.com", "subject": "Hi", "description": "Help"}
    created = client.post(f"/api/v1/public/{tenant.slug}/tickets", json=body)
    assert created.status_code == 201, created.text
    number = created.json()["ticket_number"]
    with tenant.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assert ticket.channel.value == "web"
    honeypot = client.post(f"/api/v1/public/{tenant.slug}/tickets", json={**body, "website": "x"})
    assert_problem(honeypot, 400, "form-rejected")
    assert honeypot.json()["reason"] == "honeypot"
    links = client.post(
        f"/api/v1/public/{tenant.slug}/tickets",
        json={**body, "description": "http://a http://b http://c http://d"},
    )
    assert links.json()["reason"] == "too-many-links"
    unknown = client.post("/api/v1/public/no-such-workspace/tickets", json=body)
    assert_problem(unknown, 404, "not-found")
    assert _tickets(tenant) == 1
