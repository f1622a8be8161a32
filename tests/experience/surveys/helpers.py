"""Builders for survey tests: surveys, contacts and accounts through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Tenant, unique


def post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def make_survey(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": unique("Survey "), "kind": "nps", "status": "active"}
    payload.update(body)
    return post(client, tenant, "/surveys", payload)


def make_account(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    return post(client, tenant, "/accounts", {"name": unique("Acme "), **body})


def make_contact(
    client: TestClient, tenant: Tenant, *, locale: str | None = None, **body: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {"first_name": "Ada", "emails": [f"{unique('c')}@example.com"]}
    if locale:
        payload["locale"] = locale
    payload.update(body)
    return post(client, tenant, "/contacts", payload)


def link_send(
    client: TestClient, tenant: Tenant, survey_id: int, contact_ids: list[int], **body: Any
) -> dict[str, Any]:
    return post(
        client,
        tenant,
        f"/surveys/{survey_id}/send",
        {"contact_ids": contact_ids, "channel": "link", **body},
    )


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]
