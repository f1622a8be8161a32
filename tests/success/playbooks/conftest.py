"""Builders shared by the playbook tests."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.events import DomainEvent, publish
from tests.factories import Tenant, unique

API = "/api/v1"

# The local webhook receiver: its URL and what it received (headers, body), in order.
Receiver = tuple[str, list[tuple[dict[str, str], bytes]]]


def post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def account(client: TestClient, tenant: Tenant, **fields: Any) -> int:
    return int(post(client, tenant, "/accounts", {"name": unique("Acct "), **fields})["id"])


def contact(client: TestClient, tenant: Tenant, account_id: int) -> int:
    body = {"first_name": "Pat", "account_id": account_id, "emails": [f"{unique('p')}@example.org"]}
    return int(post(client, tenant, "/contacts", body)["id"])


def playbook(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "name": unique("Playbook "),
        "actions": [
            {"type": "create_task", "title": "Look at {{ account.name }}", "due_in_days": 2}
        ],
    }
    return post(client, tenant, "/playbooks", defaults | body)


def runs(client: TestClient, tenant: Tenant, playbook_id: int) -> list[dict[str, Any]]:
    response = client.get(f"{API}/playbooks/{playbook_id}/runs", headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def emit(tenant: Tenant, event: DomainEvent) -> None:
    """Publish a domain event in a committed unit of work (the bus then runs the jobs)."""
    with tenant.session() as session:
        publish(session, event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/to-metadata":  # a redirect to an internal target
                self.send_response(307)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.end_headers()
                return
            received.append((dict(self.headers.items()), body))
            if self.path == "/slow":  # a receiver answering a byte every 0.2 s, 4 s in all
                self.wfile.write(b"HTTP/1.1 204 No Content\r\n")
                for _ in range(20):
                    time.sleep(0.2)
                    self.wfile.write(b"X")
                    self.wfile.flush()
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a slow answer is not waited for at the end
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
