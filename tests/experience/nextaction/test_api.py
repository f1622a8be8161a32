"""Next best actions over HTTP: ranking from live signals, decisions that hide an action until
its signal changes, outcomes, validation problems, permissions and workspace isolation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import utcnow
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.service.tickets.models import Ticket, TicketPriority
from tests.api.problems import assert_problem
from tests.factories import Tenant, make_tenant, unique

API = "/api/v1"


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201, 202), response.text
    return response.json() if response.content else None


@pytest.fixture
def world(runtime: Runtime, client: TestClient) -> dict[str, Any]:
    """A contact of an account with a breached high-priority ticket, an NPS answer of 3 and a
    subscription renewing in 20 days. Expected scores (docs/experience.md):
    reply_ticket 90 + 5 = 95; call_detractor 70 + 2·(7 − 3) = 78;
    start_renewal 60 + 20·(1 − 20/60) = 73.33."""
    tenant = make_tenant(runtime)
    account = _post(client, tenant, "/accounts", {"name": unique("Acme ")})["id"]
    email = f"{unique('ada')}@example.com"
    contact = _post(
        client, tenant, "/contacts", {"first_name": "Ada", "emails": [email], "account_id": account}
    )["id"]
    ticket = _post(
        client,
        tenant,
        "/tickets",
        {"subject": "Down", "description": "It is down", "requester": {"emails": [email]}},
    )["id"]
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket))
        assert row is not None
        row.sla_breached = True
        row.priority = TicketPriority.HIGH
        row.account_id = account
    _post(
        client,
        tenant,
        "/playbooks/signals/nps",
        {"account_id": account, "contact_id": contact, "score": 3},
    )
    today = utcnow().date()
    _post(
        client,
        tenant,
        "/subscriptions",
        {
            "account_id": account,
            "plan": "pro",
            "currency": "EUR",
            "mrr_cents": 10_000,
            "started_on": (today - timedelta(days=300)).isoformat(),
            "renewal_on": (today + timedelta(days=20)).isoformat(),
        },
    )
    return {"tenant": tenant, "account": account, "contact": contact, "ticket": ticket}


def _actions(client: TestClient, tenant: Tenant, path: str, role: Role = Role.ADMIN) -> Any:
    response = client.get(f"{API}{path}", headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_contact_actions_are_ranked_by_the_documented_rules(
    client: TestClient, world: dict[str, Any]
) -> None:
    tenant, contact = world["tenant"], world["contact"]
    items = _actions(client, tenant, f"/contacts/{contact}/next-actions", Role.VIEWER)
    assert [i["kind"] for i in items] == ["reply_ticket", "call_detractor", "start_renewal"]
    assert [i["score"] for i in items] == pytest.approx([95.0, 78.0, 73.33])
    reply = items[0]
    assert reply["key"] == f"reply_ticket:{world['ticket']}"
    assert reply["facts"]["breached"] is True
    assert "breached its SLA" in reply["reason"]
    assert reply["customer_key"] == f"contact:{contact}"
    assert items[2]["customer_key"] == f"account:{world['account']}"
    # The account's list holds the same actions (its contact's and its own).
    account_items = _actions(client, tenant, f"/accounts/{world['account']}/next-actions")
    assert [i["key"] for i in account_items] == [i["key"] for i in items]
    queue = _actions(client, tenant, "/next-actions")
    assert {i["key"] for i in items} <= {i["key"] for i in queue}


def test_dismissed_action_returns_only_when_its_signal_changes(
    client: TestClient, world: dict[str, Any]
) -> None:
    tenant, contact = world["tenant"], world["contact"]
    key = f"reply_ticket:{world['ticket']}"
    decision = _post(
        client,
        tenant,
        "/next-actions/decisions",
        {"contact_id": contact, "action_key": key, "status": "dismissed"},
    )
    assert decision["status"] == "dismissed"
    assert decision["decided_by_id"] == tenant.user_ids[Role.ADMIN]
    keys = {i["key"] for i in _actions(client, tenant, f"/contacts/{contact}/next-actions")}
    assert key not in keys
    # Same signal: still hidden. A new due time is a changed signal: the action is back.
    with world["tenant"].session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == world["ticket"]))
        assert row is not None
        row.next_sla_due_at = utcnow() + timedelta(hours=1)
    keys = {i["key"] for i in _actions(client, tenant, f"/contacts/{contact}/next-actions")}
    assert key in keys


def test_taken_action_outcome_is_recorded_and_listed(
    client: TestClient, world: dict[str, Any]
) -> None:
    tenant, account = world["tenant"], world["account"]
    renewal = next(
        i["key"]
        for i in _actions(client, tenant, f"/accounts/{account}/next-actions")
        if i["kind"] == "start_renewal"
    )
    taken = _post(
        client,
        tenant,
        "/next-actions/decisions",
        {"account_id": account, "action_key": renewal, "status": "taken"},
    )
    outcome = _post(
        client, tenant, f"/next-actions/decisions/{taken['id']}/outcome", {"outcome": "renewed"}
    )
    assert outcome["outcome"] == "renewed"
    assert outcome["outcome_at"] is not None
    listed = client.get(
        f"{API}/next-actions/decisions", params={"account_id": account}, headers=tenant.admin
    ).json()["items"]
    assert [(d["action_key"], d["status"], d["outcome"]) for d in listed] == [
        (renewal, "taken", "renewed")
    ]
    remaining = {i["key"] for i in _actions(client, tenant, f"/accounts/{account}/next-actions")}
    assert renewal not in remaining


def test_snoozed_action_is_hidden_and_has_no_outcome(
    client: TestClient, world: dict[str, Any]
) -> None:
    tenant, contact = world["tenant"], world["contact"]
    detractor = _actions(client, tenant, f"/contacts/{contact}/next-actions")[1]["key"]
    snoozed = _post(
        client,
        tenant,
        "/next-actions/decisions",
        {"contact_id": contact, "action_key": detractor, "status": "snoozed", "snooze_days": 7},
    )
    assert snoozed["snoozed_until"] is not None
    keys = {i["key"] for i in _actions(client, tenant, f"/contacts/{contact}/next-actions")}
    assert detractor not in keys
    response = client.post(
        f"{API}/next-actions/decisions/{snoozed['id']}/outcome",
        json={"outcome": "replied"},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action_key": "reply_ticket:1", "status": "taken"}, 422),  # no customer
        ({"contact_id": 0, "action_key": "reply_ticket:1", "status": "taken"}, 422),
        ({"contact_id": -1, "action_key": "x", "status": "taken"}, 422),
        ({"contact_id": 1, "action_key": "reply_ticket:1", "status": "done"}, 422),
        ({"contact_id": 1, "action_key": "reply_ticket:1", "status": "snoozed"}, 422),
        ({"contact_id": 1, "action_key": "a:1", "status": "taken", "snooze_days": 3}, 422),
        ({"contact_id": 1, "action_key": "a:1", "status": "taken", "extra": 1}, 422),
    ],
)
def test_bad_decisions_are_problems(
    client: TestClient, world: dict[str, Any], body: dict[str, Any], status: int
) -> None:
    tenant = world["tenant"]
    if body.get("contact_id") == 1:
        body = {**body, "contact_id": world["contact"]}
    response = client.post(f"{API}/next-actions/decisions", json=body, headers=tenant.admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_both_customers_unknown_action_and_bad_outcome(
    client: TestClient, world: dict[str, Any]
) -> None:
    tenant = world["tenant"]
    both = {
        "contact_id": world["contact"],
        "account_id": world["account"],
        "action_key": "reply_ticket:1",
        "status": "taken",
    }
    response = client.post(f"{API}/next-actions/decisions", json=both, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")
    unknown = {
        "contact_id": world["contact"],
        "action_key": "reply_ticket:999999",
        "status": "taken",
    }
    response = client.post(f"{API}/next-actions/decisions", json=unknown, headers=tenant.admin)
    assert_problem(response, 404, "not-found")
    response = client.post(
        f"{API}/next-actions/decisions/1/outcome", json={"outcome": "won"}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    response = client.get(f"{API}/next-actions", params={"limit": 0}, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")


def test_permissions_and_isolation(
    client: TestClient, world: dict[str, Any], runtime: Runtime
) -> None:
    tenant, contact = world["tenant"], world["contact"]
    assert client.get(f"{API}/contacts/{contact}/next-actions").status_code == 401
    body = {
        "contact_id": contact,
        "action_key": f"reply_ticket:{world['ticket']}",
        "status": "taken",
    }
    for role in (Role.VIEWER, Role.ANALYST):
        response = client.post(
            f"{API}/next-actions/decisions", json=body, headers=tenant.headers(role)
        )
        assert_problem(response, 403, "forbidden")
    other = make_tenant(runtime)
    response = client.get(f"{API}/contacts/{contact}/next-actions", headers=other.admin)
    assert_problem(response, 404, "not-found")
    response = client.post(f"{API}/next-actions/decisions", json=body, headers=other.admin)
    assert_problem(response, 404, "not-found")
    assert _actions(client, other, "/next-actions") == []
    taken = _post(client, tenant, "/next-actions/decisions", body)
    response = client.post(
        f"{API}/next-actions/decisions/{taken['id']}/outcome",
        json={"outcome": "replied"},
        headers=other.admin,
    )
    assert_problem(response, 404, "not-found")
    listed = client.get(f"{API}/next-actions/decisions", headers=other.admin).json()["items"]
    assert listed == []
