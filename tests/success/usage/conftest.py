"""Builders for the usage tests: a write key per tenant and Basic-auth headers for it."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from tests.factories import Tenant, unique


def basic(write_key: str) -> dict[str, str]:
    token = base64.b64encode(f"{write_key}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def issue_write_key(client: TestClient, tenant: Tenant) -> str:
    response = client.post(
        "/api/v1/tracking/write-keys", json={"name": unique("app ")}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["write_key"]
    return key


@pytest.fixture
def write_key(client: TestClient, tenant: Tenant) -> str:
    return issue_write_key(client, tenant)
