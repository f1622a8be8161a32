"""Builders for the usage tests: a write key per tenant and Basic-auth headers for it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Tenant, unique
from tests.web.browser import serving


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


@pytest.fixture(scope="module")
def live_server(app: Any) -> Iterator[str]:
    """The test app served by a real uvicorn on 127.0.0.1 (a free port), in a thread."""
    with serving(app) as base_url:
        yield base_url
