"""Builders shared by the automation API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Tenant, unique


def create(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def trigger(
    client: TestClient, tenant: Tenant, actions: list[dict[str, Any]], **rule: Any
) -> dict[str, Any]:
    body = {"name": unique("trigger "), "actions": actions, **rule}
    return create(client, tenant, "/triggers", body)


def ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Help",
        "description": "Please help",
        "requester": {"emails": [f"{unique('c')}@example.com"], "first_name": "Ada"},
        **body,
    }
    return create(client, tenant, "/tickets", payload)


def thread(client: TestClient, tenant: Tenant, ticket_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def rule_runs(client: TestClient, tenant: Tenant, ticket_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/rule-runs", headers=tenant.admin)
    assert response.status_code == 200, response.text
    runs: list[dict[str, Any]] = response.json()
    return runs
