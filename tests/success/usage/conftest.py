"""Builders for the usage tests: a write key per tenant and Basic-auth headers for it."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
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


@pytest.fixture(scope="module")
def live_server(app: Any) -> Iterator[str]:
    """The test app served by a real uvicorn on 127.0.0.1 (a free port), in a thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
