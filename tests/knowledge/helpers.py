"""Builders for knowledge tests: collections and articles through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.factories import Tenant, unique

API = "/api/v1/knowledge"


def post(
    client: TestClient, tenant: Tenant, path: str, body: dict[str, Any], role: Role = Role.ADMIN
) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.headers(role))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def collection(client: TestClient, tenant: Tenant, name: str | None = None) -> int:
    return int(post(client, tenant, "/collections", {"name": name or unique("Billing ")})["id"])


def article(
    client: TestClient,
    tenant: Tenant,
    *,
    title: str,
    body: str = "",
    language: str = "en",
    audience: str = "internal",
    publish: bool = True,
    collection_id: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    return post(
        client,
        tenant,
        "/articles",
        {
            "collection_id": collection_id or collection(client, tenant),
            "title": title,
            "body_html": body,
            "language": language,
            "audience": audience,
            "publish": publish,
            **fields,
        },
    )


def translate(
    client: TestClient,
    tenant: Tenant,
    article_id: int,
    language: str,
    *,
    title: str,
    body: str = "",
    publish: bool = True,
) -> dict[str, Any]:
    response = client.put(
        f"{API}/articles/{article_id}/translations/{language}",
        json={"title": title, "body_html": body, "publish": publish},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
