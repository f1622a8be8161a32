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


def test_agents_upload_files_from_the_article_page(client: TestClient, tenant: Tenant) -> None:
    created = article(client, tenant, title="Screenshots")
    agent = tenant.headers(Role.AGENT)
    page = client.get(f"/knowledge/articles/{created['id']}", headers=agent)
    assert 'enctype="multipart/form-data"' in page.text
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    sent = client.post(
        f"/knowledge/articles/{created['id']}/files",
        files={"file": ("screen shot.png", png, "image/png")},
        headers=agent,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    listed = client.get(f"/api/v1/knowledge/articles/{created['id']}/files", headers=agent).json()
    assert [(f["filename"], f["content_type"]) for f in listed] == [
        ("screen shot.png", "image/png")
    ]
    shown = client.get(f"/knowledge/articles/{created['id']}", headers=agent)
    assert f"/api/v1/knowledge/files/{listed[0]['id']}" in shown.text

    empty = client.post(
        f"/knowledge/articles/{created['id']}/files",
        files={"file": ("empty.txt", b"", "text/plain")},
        headers=agent,
    )
    assert empty.status_code in (400, 422)
    missing = client.post(f"/knowledge/articles/{created['id']}/files", headers=agent)
    assert missing.status_code in (400, 422)
    viewer = client.post(
        f"/knowledge/articles/{created['id']}/files",
        files={"file": ("x.txt", b"x", "text/plain")},
        headers=tenant.headers(Role.VIEWER),
    )
    assert viewer.status_code == 403
    other = client.post(
        f"/knowledge/articles/{10**12}/files",
        files={"file": ("x.txt", b"x", "text/plain")},
        headers=agent,
    )
    assert other.status_code == 404
    assert (
        len(client.get(f"/api/v1/knowledge/articles/{created['id']}/files", headers=agent).json())
        == 1
    )
