"""Phone call logging: the timeline touchpoint, a note on a ticket, a new phone ticket."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant

CALL: dict[str, Any] = {
    "contact": {"phones": ["+39 06 1234567"], "first_name": "Ada"},
    "direction": "inbound",
    "started_at": "2026-03-01T10:00:00Z",
    "duration_seconds": 312,
    "notes": "Wants the annual plan",
    "recording_url": "https://pbx.example.com/r/991",
}


def _log(client: TestClient, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/calls", json={**CALL, **changes}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _timeline(client: TestClient, tenant: Tenant, contact_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/contacts/{contact_id}/timeline", headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_call_is_logged_on_the_timeline(client: TestClient, tenant: Tenant) -> None:
    logged = _log(client, tenant)
    assert logged["ticket_id"] is None
    assert logged["note_message_id"] is None
    calls = [
        i for i in _timeline(client, tenant, logged["contact_id"]) if i["kind"] == "call.inbound"
    ]
    assert len(calls) == 1
    assert calls[0]["channel"] == "phone"
    assert calls[0]["payload"]["duration_seconds"] == 312
    assert calls[0]["payload"]["recording_url"] == "https://pbx.example.com/r/991"
    assert "5 min 12 s" in calls[0]["summary"]
    again = _log(
        client, tenant, direction="outbound", contact=None, contact_id=logged["contact_id"]
    )
    assert again["contact_id"] == logged["contact_id"]
    kinds = {i["kind"] for i in _timeline(client, tenant, logged["contact_id"])}
    assert {"call.inbound", "call.outbound"} <= kinds


def test_call_notes_become_an_internal_note(client: TestClient, tenant: Tenant) -> None:
    ticket = client.post(
        "/api/v1/tickets",
        json={"subject": "s", "description": "d", "requester": {"phones": ["+39 06 1234567"]}},
        headers=tenant.admin,
    ).json()
    logged = _log(client, tenant, ticket_id=ticket["id"])
    assert logged["ticket_id"] == ticket["id"]
    assert logged["created_ticket"] is False
    thread = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=tenant.admin).json()
    note = next(m for m in thread["items"] if m["id"] == logged["note_message_id"])
    assert note["public"] is False
    assert note["author_kind"] == "agent"
    assert "Wants the annual plan" in note["body"]


def test_call_can_open_a_phone_ticket(client: TestClient, tenant: Tenant) -> None:
    logged = _log(client, tenant, create_ticket=True, subject="Upgrade")
    assert logged["created_ticket"] is True
    ticket = client.get(f"/api/v1/tickets/{logged['ticket_id']}", headers=tenant.admin).json()
    assert ticket["channel"] == "phone"
    assert ticket["subject"] == "Upgrade"
    assert ticket["requester_id"] == logged["contact_id"]
    thread = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=tenant.admin).json()
    assert thread["items"][0]["body"] == "Wants the annual plan"


def test_call_validation(client: TestClient, tenant: Tenant) -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x.example/r", "https://"):
        response = client.post(
            "/api/v1/calls", json={**CALL, "recording_url": url}, headers=tenant.admin
        )
        assert_problem(response, 422, "validation-error")
    both = client.post(
        "/api/v1/calls", json={**CALL, "ticket_id": 1, "create_ticket": True}, headers=tenant.admin
    )
    assert_problem(both, 422, "validation-error")
    negative = client.post(
        "/api/v1/calls", json={**CALL, "duration_seconds": -1}, headers=tenant.admin
    )
    assert_problem(negative, 422, "validation-error")
    missing_ticket = client.post(
        "/api/v1/calls", json={**CALL, "ticket_id": 999_999_999}, headers=tenant.admin
    )
    assert_problem(missing_ticket, 404, "not-found")
    viewer = client.post("/api/v1/calls", json=CALL, headers=tenant.headers(Role.VIEWER))
    assert_problem(viewer, 403, "forbidden")
