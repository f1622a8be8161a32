"""Bulk ticket changes: each ticket on its own savepoint, failures reported, nothing else lost."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core import events
from cxhub.core.errors import Conflict
from cxhub.core.permissions import Role
from cxhub.service.tickets import bulk
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.events import TicketStatusChanged
from cxhub.service.tickets.schemas import TicketUpdate
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

BULK = "/api/v1/tickets/bulk"


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Bulk me",
        "description": "Please help.",
        "requester": {"emails": [f"{unique('r')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _get(client: TestClient, tenant: Tenant, ticket_id: int) -> dict[str, Any]:
    result: dict[str, Any] = client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.admin).json()
    return result


def _close(client: TestClient, tenant: Tenant, ticket_id: int) -> None:
    url = f"/api/v1/tickets/{ticket_id}"
    assert client.patch(url, json={"status": "solved"}, headers=tenant.admin).status_code == 200
    assert client.patch(url, json={"status": "closed"}, headers=tenant.admin).status_code == 200


def test_bulk_applies_changes_and_reports_each_failure(client: TestClient, tenant: Tenant) -> None:
    fresh = _ticket(client, tenant)
    solved = _ticket(client, tenant)
    closed = _ticket(client, tenant)
    assert (
        client.patch(
            f"/api/v1/tickets/{solved['id']}", json={"status": "solved"}, headers=tenant.admin
        ).status_code
        == 200
    )
    _close(client, tenant, closed["id"])
    agent = tenant.user_ids[Role.AGENT]
    response = client.post(
        BULK,
        json={
            "ticket_ids": [fresh["id"], solved["id"], closed["id"], 999_999_999, fresh["id"]],
            "changes": {"status": "pending", "assignee_id": agent, "add_tags": ["Bulk Tag"]},
        },
        headers=tenant.headers(Role.AGENT),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["updated"] == [fresh["id"]]
    failures = {f["ticket_id"]: f for f in body["failed"]}
    assert set(failures) == {solved["id"], closed["id"], 999_999_999}
    assert failures[solved["id"]]["type"] == "illegal-status-transition"
    assert "solved" in failures[solved["id"]]["detail"]
    assert failures[closed["id"]]["type"] == "validation-error"
    assert failures[999_999_999]["type"] == "not-found"

    changed = _get(client, tenant, fresh["id"])
    assert (changed["status"], changed["assignee_id"], changed["tags"]) == (
        "pending",
        agent,
        ["bulk_tag"],
    )
    # the refused ticket kept everything: no partial assignment or tag from its failed attempt
    untouched = _get(client, tenant, solved["id"])
    assert (untouched["status"], untouched["assignee_id"], untouched["tags"]) == (
        "solved",
        None,
        [],
    )


def test_bulk_never_touches_another_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = _ticket(client, tenant)
    theirs = _ticket(client, other_tenant)
    response = client.post(
        BULK,
        json={"ticket_ids": [mine["id"], theirs["id"]], "changes": {"priority": "urgent"}},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == [mine["id"]]
    assert response.json()["failed"][0]["type"] == "not-found"
    assert _get(client, other_tenant, theirs["id"])["priority"] == "normal"


def test_bulk_validates_its_body_and_needs_write_permission(
    client: TestClient, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    assert_problem(
        client.post(BULK, json={"ticket_ids": [], "changes": {}}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(
            BULK,
            json={"ticket_ids": [ticket["id"]], "changes": {"status": "bogus"}},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(
            BULK, json={"ticket_ids": list(range(1, 102)), "changes": {}}, headers=tenant.admin
        ),
        422,
        "validation-error",
    )
    denied = client.post(
        BULK,
        json={"ticket_ids": [ticket["id"]], "changes": {"priority": "high"}},
        headers=tenant.headers(Role.VIEWER),
    )
    assert assert_problem(denied, 403, "forbidden")["required_permission"] == "tickets:write"
    assert _get(client, tenant, ticket["id"])["priority"] == "normal"


def test_a_failed_ticket_drops_the_events_it_queued(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _ticket(client, tenant)
    bad = _ticket(client, tenant)
    real_update = bulk.update_ticket

    def flaky(session: Any, *, ticket_id: int, data: TicketUpdate, actor: Actor) -> Any:
        ticket = real_update(session, ticket_id=ticket_id, data=data, actor=actor)
        if ticket_id == bad["id"]:
            raise Conflict("refused after the change was queued")
        return ticket

    monkeypatch.setattr(bulk, "update_ticket", flaky)
    with tenant.session() as session:
        result = bulk.bulk_update_tickets(
            session,
            ticket_ids=[bad["id"], good["id"]],
            data=TicketUpdate(status="open"),  # type: ignore[arg-type]
            actor=Actor.agent(tenant.user_ids[Role.AGENT]),
        )
        queued = [
            e for e in session.info.get(events.OUTBOX_KEY, []) if isinstance(e, TicketStatusChanged)
        ]
    assert result.updated == [good["id"]]
    assert [(f.ticket_id, f.type) for f in result.failed] == [(bad["id"], "conflict")]
    assert [e.ticket_id for e in queued] == [good["id"]]
    assert _get(client, tenant, bad["id"])["status"] == "new"
    assert _get(client, tenant, good["id"])["status"] == "open"
