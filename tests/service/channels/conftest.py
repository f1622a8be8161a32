"""Builders for channel tests: a webhook channel with its secret, and signed posts to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cxhub.service.channels.service import sign
from tests.factories import Tenant, unique


@dataclass(frozen=True)
class Webhook:
    id: int
    secret: str
    client: TestClient

    def post(self, body: dict[str, Any], *, secret: str | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        headers["X-Cxhub-Signature"] = sign(secret or self.secret, raw)
        return self.client.post(f"/api/v1/channels/{self.id}/inbound", content=raw, headers=headers)


def message(
    thread: str = "conv-1", message_id: str | None = None, text: str = "Hello there", **extra: Any
) -> dict[str, Any]:
    return {
        "thread_id": thread,
        "message_id": message_id or unique("msg-"),
        "author": extra.pop("author", {"name": "Ada Lovelace", "email": "ada@example.com"}),
        "text": text,
        **extra,
    }


@pytest.fixture
def webhook(client: TestClient, tenant: Tenant) -> Webhook:
    response = client.post(
        "/api/v1/channels", json={"name": "Chat", "kind": "chat"}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Webhook(body["id"], body["secret"], client)
