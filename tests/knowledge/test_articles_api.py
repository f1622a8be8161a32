"""Knowledge articles through the API: collections, language versions, drafts and publishing,
revision history, sanitising, files, permissions, audit and workspace isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.knowledge.helpers import API, article, collection, translate


def test_an_article_has_language_versions_drafts_and_revisions(
    client: TestClient, tenant: Tenant
) -> None:
    created = article(client, tenant, title="Reset your password", body="<p>Click reset.</p>")
    article_id = created["id"]
    assert created["owner_id"] == tenant.user_ids[Role.ADMIN]
    assert created["needs_verification"] is False
    [english] = created["translations"]
    assert (english["language"], english["status"], english["revision"]) == ("en", "published", 1)

    translate(client, tenant, article_id, "it", title="Reimposta la password", publish=False)
    translate(client, tenant, article_id, "zh", title="重置密码", body="<p>点击重置。</p>")
    translate(client, tenant, article_id, "id", title="Atur ulang kata sandi")
    edited = translate(client, tenant, article_id, "en", title="Reset your password (new)")
    assert (edited["status"], edited["revision"]) == ("published", 2)

    body = client.get(f"{API}/articles/{article_id}", headers=tenant.headers(Role.VIEWER)).json()
    states = {t["language"]: t["status"] for t in body["translations"]}
    assert states == {"en": "published", "id": "published", "it": "draft", "zh": "published"}

    revisions = client.get(
        f"{API}/articles/{article_id}/translations/en/revisions", headers=tenant.admin
    ).json()
    assert [(r["number"], r["title"]) for r in revisions] == [
        (2, "Reset your password (new)"),
        (1, "Reset your password"),
    ]
    # a draft keeps no revision until it is published
    drafts = client.get(
        f"{API}/articles/{article_id}/translations/it/revisions", headers=tenant.admin
    ).json()
    assert drafts == []
    published = client.post(
        f"{API}/articles/{article_id}/translations/it/publish", headers=tenant.admin
    ).json()
    assert (published["status"], published["revision"]) == ("published", 1)
    back = client.post(
        f"{API}/articles/{article_id}/translations/it/unpublish", headers=tenant.admin
    ).json()
    assert back["status"] == "draft"


def test_bodies_are_sanitised_like_ticket_messages(client: TestClient, tenant: Tenant) -> None:
    created = article(
        client,
        tenant,
        title="XSS",
        body='<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:x()">l</a></p>',
    )
    html = created["translations"][0]["body_html"]
    assert "script" not in html
    assert "onclick" not in html
    assert "javascript" not in html
    assert "Hi" in html


def test_validation_errors_are_problems(client: TestClient, tenant: Tenant) -> None:
    collection_id = collection(client, tenant)
    response = client.post(
        f"{API}/articles",
        json={"collection_id": collection_id, "title": "x", "language": "fr"},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")
    response = client.post(
        f"{API}/articles", json={"collection_id": 10**12, "title": "x"}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    response = client.post(
        f"{API}/articles",
        json={"collection_id": collection_id, "title": "x", "owner_id": 10**12},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")
    created = article(client, tenant, title="Fine")
    response = client.put(
        f"{API}/articles/{created['id']}/translations/xx",
        json={"title": "t"},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")


def test_viewers_read_agents_write_and_deletions_are_audited(
    client: TestClient, tenant: Tenant
) -> None:
    collection_id = collection(client, tenant)
    denied = client.post(
        f"{API}/articles",
        json={"collection_id": collection_id, "title": "No"},
        headers=tenant.headers(Role.VIEWER),
    )
    assert_problem(denied, 403, "forbidden")
    created = article(client, tenant, title="By an agent", collection_id=collection_id)
    agent = client.delete(f"{API}/articles/{created['id']}", headers=tenant.headers(Role.AGENT))
    assert agent.status_code == 204
    assert client.get(f"{API}/articles/{created['id']}", headers=tenant.admin).status_code == 404
    with tenant.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == created["id"])
        ).all()
    assert "knowledge_article.deleted" in actions
    assert (
        client.delete(f"{API}/collections/{collection_id}", headers=tenant.admin).status_code == 204
    )


def test_another_workspace_sees_nothing(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = article(client, tenant, title="Only ours")
    response = client.get(f"{API}/articles/{created['id']}", headers=other_tenant.admin)
    assert_problem(response, 404, "not-found")
    listed = client.get(f"{API}/articles", headers=other_tenant.admin).json()
    assert created["id"] not in [a["id"] for a in listed["items"]]


def test_files_and_images(client: TestClient, tenant: Tenant) -> None:
    created = article(client, tenant, title="With a screenshot")
    image = client.post(
        f"{API}/articles/{created['id']}/files",
        files={"file": ("shot.png", b"\x89PNG\r\n\x1a\nfake", "image/png")},
        headers=tenant.headers(Role.AGENT),
    )
    assert image.status_code == 201, image.text
    svg = client.post(
        f"{API}/articles/{created['id']}/files",
        files={"file": ("x.svg", b"<svg onload='x()'/>", "image/svg+xml")},
        headers=tenant.admin,
    ).json()
    assert svg["is_image"] is False
    got = client.get(image.json()["url"], headers=tenant.headers(Role.VIEWER))
    assert got.status_code == 200
    assert got.content == b"\x89PNG\r\n\x1a\nfake"
    assert got.headers["content-disposition"].startswith("inline")
    download = client.get(svg["url"], headers=tenant.admin)
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    empty = client.post(
        f"{API}/articles/{created['id']}/files",
        files={"file": ("e.txt", b"", "text/plain")},
        headers=tenant.admin,
    )
    assert_problem(empty, 422, "validation-error")
    listed = client.get(f"{API}/articles/{created['id']}/files", headers=tenant.admin).json()
    assert len(listed) == 2
