"""Agent assist: suggested articles for a ticket, and article uses recorded per ticket (from
links in agent replies, or explicitly)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.analytics.knowledge import knowledge_kpis
from cxhub.core.db import utcnow
from cxhub.core.permissions import Role
from cxhub.knowledge.assist.models import ArticleUse
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.knowledge.helpers import API, article


def _ticket(client: TestClient, tenant: Tenant, subject: str, description: str) -> int:
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Ana", "emails": [f"{unique('c')}@example.org"]},
        headers=tenant.admin,
    ).json()["id"]
    response = client.post(
        "/api/v1/tickets",
        json={"subject": subject, "description": description, "requester_id": contact},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _uses(tenant: Tenant) -> list[tuple[int, int]]:
    with tenant.session() as session:
        rows = session.execute(select(ArticleUse.ticket_id, ArticleUse.article_id)).all()
    return sorted((int(t), int(a)) for t, a in rows)


def test_suggestions_and_uses(client: TestClient, tenant: Tenant) -> None:
    card = article(
        client,
        tenant,
        title="Card swallowed by the ATM",
        body="<p>Block the card in the app; a replacement arrives in five days.</p>",
        audience="public",
    )["id"]
    other = article(client, tenant, title="Change your address")["id"]
    ticket = _ticket(client, tenant, "ATM kept my card", "The machine swallowed my card today")
    suggested: list[dict[str, Any]] = client.get(
        f"{API}/tickets/{ticket}/suggestions", headers=tenant.headers(Role.AGENT)
    ).json()
    assert suggested[0]["article_id"] == card

    panel = client.get(f"/knowledge/tickets/{ticket}/assist", headers=tenant.headers(Role.AGENT))
    assert panel.status_code == 200
    assert f"/help/{tenant.slug}/articles/{card}" in panel.text
    assert "<html" not in panel.text

    # an agent's reply linking the article records its use (once per ticket)
    body = f"Here is how: http://localhost/help/{tenant.slug}/articles/{card}?lang=en"
    for _ in range(2):
        reply = client.post(
            f"/api/v1/tickets/{ticket}/messages",
            json={"body": body},
            headers=tenant.headers(Role.AGENT),
        )
        assert reply.status_code == 201, reply.text
    assert _uses(tenant) == [(ticket, card)]

    recorded = client.post(
        f"{API}/tickets/{ticket}/uses", json={"article_id": other}, headers=tenant.admin
    ).json()
    assert recorded["recorded"] is True
    again = client.post(
        f"{API}/tickets/{ticket}/uses", json={"article_id": other}, headers=tenant.admin
    ).json()
    assert again["recorded"] is False
    assert _uses(tenant) == sorted([(ticket, card), (ticket, other)])
    missing = client.post(
        f"{API}/tickets/{ticket}/uses", json={"article_id": 10**12}, headers=tenant.admin
    )
    assert_problem(missing, 404, "not-found")
    denied = client.post(
        f"{API}/tickets/{ticket}/uses",
        json={"article_id": other},
        headers=tenant.headers(Role.VIEWER),
    )
    assert_problem(denied, 403, "forbidden")

    with tenant.session() as session:
        kpis = knowledge_kpis(
            session,
            workspace_id=tenant.workspace_id,
            start=utcnow() - timedelta(hours=1),
            end=utcnow() + timedelta(minutes=1),
        )
    usefulness = {a.article_id: a.uses_in_replies for a in kpis.articles}
    assert usefulness == {card: 1, other: 1}

    metrics = client.get("/api/v1/metrics/knowledge", headers=tenant.headers(Role.VIEWER))
    assert metrics.status_code == 200, metrics.text
    assert {a["article_id"] for a in metrics.json()["articles"]} == {card, other}
    bad = client.get(
        "/api/v1/metrics/knowledge",
        params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=tenant.admin,
    )
    assert_problem(bad, 422, "validation-error")
