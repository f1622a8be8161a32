"""A workspace whose customers wrote about three recurring issues, with topics discovered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.runtime import Runtime
from tests.factories import Tenant, make_tenant, unique

API = "/api/v1"
THEMES = {
    "refund": [
        "I want a refund for my order, the product is broken",
        "Please refund my money, the item arrived broken",
        "Still waiting for my refund after two weeks, this is terrible",
        "How long does a refund take? I returned the broken item",
        "Refund not received yet for the returned order, awful service",
        "My refund was rejected but the product is broken",
        "Refund request for a broken blender",
        "Where is my refund? The order was returned last week",
    ],
    "password": [
        "I forgot my password and cannot log in",
        "Password reset email never arrives, cannot log in",
        "How do I reset my password? Login fails",
        "My password stopped working, locked out of login",
        "Reset password link expired, still cannot log in",
        "Cannot log in after the password reset",
        "Login says wrong password even after reset",
        "Need help to reset the password of my login",
    ],
    "delivery": [
        "My delivery is late, the parcel has not arrived",
        "The courier delivery is late again, where is my parcel",
        "Parcel delivery delayed by a week",
        "Tracking says the parcel delivery is late",
        "Late delivery, the parcel is stuck with the courier",
        "Courier lost my parcel, delivery never happened",
        "Delivery of my parcel is late by ten days",
        "The parcel delivery keeps getting postponed by the courier",
    ],
}


@dataclass
class Seeded:
    tenant: Tenant
    tickets: dict[str, list[dict[str, Any]]]
    topics: dict[str, dict[str, Any]]  # theme -> topic whose examples are that theme's


def create_ticket(
    client: TestClient, tenant: Tenant, text: str, email: str | None = None, **body: Any
) -> dict[str, Any]:
    payload = {
        "subject": "Help",
        "description": text,
        "requester": {"emails": [email or f"{unique('c')}@example.com"]},
        **body,
    }
    response = client.post(f"{API}/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def discover(client: TestClient, tenant: Tenant, **body: Any) -> None:
    response = client.post(f"{API}/topics/discover", json=body, headers=tenant.admin)
    assert response.status_code == 202, response.text


def topics_by_theme(
    client: TestClient, tenant: Tenant, tickets: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Each theme's topic: the topic holding most of the theme's tickets."""
    listed = client.get(f"{API}/topics", headers=tenant.admin).json()
    found: dict[str, dict[str, Any]] = {}
    for theme, rows in tickets.items():
        ids = {t["id"] for t in rows}
        best, best_count = None, 0
        for topic in listed:
            examples = client.get(
                f"{API}/topics/{topic['id']}/examples", params={"limit": 20}, headers=tenant.admin
            ).json()
            count = sum(1 for e in examples if e["ticket_id"] in ids)
            if count > best_count:
                best, best_count = topic, count
        assert best is not None, theme
        found[theme] = best
    return found


@pytest.fixture(scope="module")
def seeded(client: TestClient, runtime: Runtime) -> Seeded:
    tenant = make_tenant(runtime)
    tickets = {
        theme: [create_ticket(client, tenant, text) for text in texts]
        for theme, texts in THEMES.items()
    }
    discover(client, tenant, k=3)
    return Seeded(tenant, tickets, topics_by_theme(client, tenant, tickets))
