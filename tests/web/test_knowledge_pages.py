"""Agent pages of the knowledge base: list, create, view with revisions, edit a translation,
verify; in every UI language; viewers read but cannot write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.factories import Tenant
from tests.knowledge.helpers import article, collection
from tests.web.conftest import MakeUser, sign_in


def test_agents_create_edit_and_verify_articles(client: TestClient, tenant: Tenant) -> None:
    agent = tenant.headers(Role.AGENT)
    shelf = collection(client, tenant, "Payments")
    form = client.get("/knowledge/articles/new", headers=agent)
    assert form.status_code == 200
    assert 'id="kb-edit"' in form.text
    created = client.post(
        "/knowledge/articles/new",
        data={
            "collection_id": str(shelf),
            "title": "Refund a payment",
            "language": "en",
            "body_html": "<p>Open the payment, choose refund.</p><script>x()</script>",
            "audience": "public",
            "publish": "true",
        },
        headers=agent,
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    page = client.get(location, headers=agent)
    assert "Refund a payment" in page.text
    assert "<script>x()" not in page.text
    article_id = int(location.split("/")[3].split("?")[0])
    saved = client.post(
        f"/knowledge/articles/{article_id}/edit",
        data={"title": "Rimborsare un pagamento", "language": "it", "audience": "public",
              "publish": "true"},
        headers=agent,
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    italian = client.get(f"/knowledge/articles/{article_id}?lang=it", headers=agent)
    assert "Rimborsare un pagamento" in italian.text
    assert 'id="kb-revisions"' in italian.text
    listed = client.get("/knowledge", headers=agent)
    assert f'data-article="{article_id}"' in listed.text
    searched = client.get("/knowledge", params={"q": "refund payment"}, headers=agent)
    assert f'data-article="{article_id}"' in searched.text
    verified = client.post(
        f"/knowledge/articles/{article_id}/verify", headers=agent, follow_redirects=False
    )
    assert verified.status_code == 303


def test_viewers_read_but_cannot_write(client: TestClient, tenant: Tenant) -> None:
    created = article(client, tenant, title="Read me")
    viewer = tenant.headers(Role.VIEWER)
    assert client.get(f"/knowledge/articles/{created['id']}", headers=viewer).status_code == 200
    assert client.get("/knowledge/articles/new", headers=viewer).status_code == 403
    assert (
        client.get(
            f"/knowledge/articles/{created['id']}", headers=tenant.headers(Role.CSM)
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Knowledge base"),
        ("it", "Knowledge base"),
        ("zh", "知识库"),
        ("id", "Basis pengetahuan"),
    ],
)
def test_the_list_speaks_every_language(
    web: TestClient, tenant: Tenant, make_user: MakeUser, language: str, heading: str
) -> None:
    assert sign_in(web, make_user(tenant, locale=language)).status_code == 303
    page = web.get("/knowledge")
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert "/knowledge" in page.text  # the navigation entry
