"""Triggers configured through the API and run inside every ticket change."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.service.automations.helpers import create, rule_runs, thread, ticket, trigger

CREATED = {"field": "event", "op": "is", "value": "ticket_created"}
UPDATED = {"field": "event", "op": "is", "value": "ticket_updated"}


def test_outage_trigger_routes_a_new_ticket(client: TestClient, tenant: Tenant) -> None:
    team = create(client, tenant, "/teams", {"name": unique("incident ")})
    rule = trigger(
        client,
        tenant,
        [
            {"type": "set_priority", "priority": "urgent"},
            {"type": "add_tags", "tags": ["outage"]},
            {"type": "assign_team", "team_id": team["id"]},
        ],
        all=[CREATED, {"field": "subject", "op": "contains", "value": "outage"}],
    )
    routed = ticket(client, tenant, subject="Total OUTAGE in EU")
    assert routed["priority"] == "urgent"
    assert routed["team_id"] == team["id"]
    assert "outage" in routed["tags"]
    shown = client.get(f"/api/v1/tickets/{routed['id']}", headers=tenant.admin).json()
    assert (shown["priority"], shown["team_id"]) == ("urgent", team["id"])
    runs = rule_runs(client, tenant, routed["id"])
    assert [(r["rule_kind"], r["rule_id"], r["event"]) for r in runs] == [
        ("trigger", rule["id"], "ticket_created")
    ]
    assert {"priority", "team_id", "tags"} <= set(runs[0]["changed_fields"])
    calm = ticket(client, tenant, subject="Invoice question")
    assert calm["priority"] == "normal"
    assert rule_runs(client, tenant, calm["id"]) == []


def test_reply_trigger_posts_a_system_message_once(client: TestClient, tenant: Tenant) -> None:
    trigger(
        client,
        tenant,
        [
            {
                "type": "reply_public",
                "body": "Hi {{ requester.first_name }}, we got #{{ ticket.number }}",
            }
        ],
        all=[{"field": "event", "op": "in", "value": ["ticket_created", "ticket_updated"]}],
    )
    created = ticket(client, tenant)
    messages = thread(client, tenant, created["id"])
    system = [m for m in messages if m["author_kind"] == "system"]
    assert len(system) == 1
    assert system[0]["public"] is True
    assert system[0]["body"] == f"Hi Ada, we got #{created['number']}"
    # the system reply neither opened the new ticket nor ran the trigger again
    shown = client.get(f"/api/v1/tickets/{created['id']}", headers=tenant.admin).json()
    assert shown["status"] == "new"
    assert len(rule_runs(client, tenant, created["id"])) == 1


def test_ping_pong_triggers_fire_once_each(client: TestClient, tenant: Tenant) -> None:
    has = {"field": "tags", "op": "contains"}
    ping = trigger(
        client,
        tenant,
        [
            {"type": "remove_tags", "tags": ["ping"]},
            {"type": "add_tags", "tags": ["pong"]},
            {"type": "reply_public", "body": "ping seen"},
        ],
        all=[UPDATED, {**has, "value": "ping"}],
        position=0,
    )
    pong = trigger(
        client,
        tenant,
        [
            {"type": "remove_tags", "tags": ["pong"]},
            {"type": "add_tags", "tags": ["ping"]},
            {"type": "reply_public", "body": "pong seen"},
        ],
        all=[UPDATED, {**has, "value": "pong"}],
        position=1,
    )
    created = ticket(client, tenant)
    response = client.patch(
        f"/api/v1/tickets/{created['id']}", json={"add_tags": ["ping"]}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["ping"]
    bodies = [
        m["body"] for m in thread(client, tenant, created["id"]) if m["author_kind"] == "system"
    ]
    assert sorted(bodies) == ["ping seen", "pong seen"]
    runs = rule_runs(client, tenant, created["id"])
    assert [r["rule_id"] for r in runs] == [ping["id"], pong["id"]]


def test_illegal_status_action_is_skipped_and_recorded(client: TestClient, tenant: Tenant) -> None:
    rule = trigger(
        client,
        tenant,
        [{"type": "set_status", "status": "closed"}, {"type": "add_tags", "tags": ["escalated"]}],
        all=[UPDATED, {"field": "priority", "op": "changed_to", "value": "high"}],
    )
    created = ticket(client, tenant, assignee_id=tenant.user_ids[Role.AGENT])
    assert created["status"] == "open"
    response = client.patch(
        f"/api/v1/tickets/{created['id']}", json={"priority": "high"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    assert response.json()["tags"] == ["escalated"]
    [run] = rule_runs(client, tenant, created["id"])
    assert run["rule_id"] == rule["id"]
    assert any("closed" in reason for reason in run["skipped"]), run


def test_notify_creates_notifications(client: TestClient, tenant: Tenant) -> None:
    agent = tenant.user_ids[Role.AGENT]
    trigger(
        client,
        tenant,
        [
            {
                "type": "notify",
                "recipients": ["assignee", "oncall@example.com"],
                "subject": "New ticket #{{ ticket.number }}",
                "body": "{{ message.text }}",
            }
        ],
        all=[CREATED],
    )
    created = ticket(client, tenant, assignee_id=agent, description="Server on fire")
    mine = client.get("/api/v1/me/notifications", headers=tenant.headers(Role.AGENT))
    assert mine.status_code == 200, mine.text
    [note] = mine.json()
    assert note["subject"] == f"New ticket #{created['number']}"
    assert note["ticket_id"] == created["id"]
    assert client.get("/api/v1/me/notifications", headers=tenant.admin).json() == []


def test_changes_made_by_agents_still_run_triggers_after_a_trigger_run(
    client: TestClient, tenant: Tenant
) -> None:
    trigger(client, tenant, [{"type": "add_tags", "tags": ["seen"]}], all=[UPDATED])
    created = ticket(client, tenant)
    url = f"/api/v1/tickets/{created['id']}"
    client.patch(url, json={"priority": "low"}, headers=tenant.admin)
    client.patch(url, json={"priority": "high"}, headers=tenant.admin)
    assert len(rule_runs(client, tenant, created["id"])) == 2


def test_trigger_crud(client: TestClient, tenant: Tenant) -> None:
    rule = trigger(client, tenant, [{"type": "set_priority", "priority": "high"}], all=[CREATED])
    url = f"/api/v1/triggers/{rule['id']}"
    assert client.get(url, headers=tenant.headers(Role.VIEWER)).json()["name"] == rule["name"]
    replaced = client.put(
        url,
        json={"name": "renamed", "active": False, "all": [CREATED], "actions": rule["actions"]},
        headers=tenant.admin,
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["name"], replaced.json()["active"]) == ("renamed", False)
    listed = client.get("/api/v1/triggers", headers=tenant.admin).json()
    assert [r["id"] for r in listed] == [rule["id"]]
    # an inactive trigger does nothing
    assert ticket(client, tenant)["priority"] == "normal"
    assert client.delete(url, headers=tenant.admin).status_code == 204
    assert_problem(client.get(url, headers=tenant.admin), 404, "not-found")


def test_agent_cannot_configure_triggers(client: TestClient, tenant: Tenant) -> None:
    body = {"name": "x", "all": [CREATED], "actions": [{"type": "add_tags", "tags": ["a"]}]}
    response = client.post("/api/v1/triggers", json=body, headers=tenant.headers(Role.AGENT))
    problem = assert_problem(response, 403, "forbidden")
    assert problem["required_permission"] == "service:configure"
    assert client.get("/api/v1/triggers", headers=tenant.headers(Role.AGENT)).status_code == 200


def test_invalid_rules_are_422_with_details(client: TestClient, tenant: Tenant) -> None:
    actions = [{"type": "add_tags", "tags": ["a"]}]
    bad_operator = {"name": "x", "all": [{"field": "priority", "op": "contains", "value": "x"}]}
    response = client.post(
        "/api/v1/triggers", json={**bad_operator, "actions": actions}, headers=tenant.admin
    )
    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"]
    hours = {"name": "x", "all": [{"field": "hours_since_created", "op": "gt", "value": 3}]}
    response = client.post(
        "/api/v1/triggers", json={**hours, "actions": actions}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    template = {"type": "reply_public", "body": "{{ ''.__class__ }}"}
    response = client.post(
        "/api/v1/triggers",
        json={"name": "x", "all": [CREATED], "actions": [template]},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")
    endless = {
        "name": "x",
        "all": [{"field": "hours_since_created", "op": "gt", "value": 3}],
        "actions": actions,
    }
    response = client.post("/api/v1/automations", json=endless, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")
    assert client.get("/api/v1/triggers", headers=tenant.admin).json() == []


def test_requester_email_reaches_conditions(client: TestClient, tenant: Tenant) -> None:
    vip = unique("vip")
    trigger(
        client,
        tenant,
        [{"type": "add_tags", "tags": [vip]}],
        all=[CREATED, {"field": "requester_email", "op": "contains", "value": f"@{vip}."}],
    )
    matched = ticket(client, tenant, requester={"emails": [f"{unique('ada')}@{vip}.example"]})
    assert vip in matched["tags"]
    assert vip not in ticket(client, tenant)["tags"]


def test_requester_email_reaches_templates(client: TestClient, tenant: Tenant) -> None:
    """No condition tests the e-mail, so the run reads it only once a trigger fires; the
    fired trigger's template still sees it."""
    marker = unique("greeting")
    trigger(
        client,
        tenant,
        [{"type": "reply_public", "body": f"{marker} {{{{ requester.email }}}}"}],
        all=[CREATED, {"field": "subject", "op": "contains", "value": marker}],
    )
    address = f"{unique('ada')}@example.com"
    greeted = ticket(client, tenant, subject=f"About {marker}", requester={"emails": [address]})
    replies = [
        m["body"] for m in thread(client, tenant, greeted["id"]) if m["author_kind"] == "system"
    ]
    assert replies == [f"{marker} {address}"]


def test_an_edited_trigger_runs_as_edited(client: TestClient, tenant: Tenant) -> None:
    """Triggers are validated once per version (id, updated_at) and reused: an edit is a new
    version, seen by the very next ticket change."""
    rule = trigger(client, tenant, [{"type": "set_priority", "priority": "high"}], all=[CREATED])
    assert ticket(client, tenant)["priority"] == "high"
    assert ticket(client, tenant)["priority"] == "high"  # the remembered version
    edited = client.put(
        f"/api/v1/triggers/{rule['id']}",
        json={
            "name": rule["name"],
            "all": [CREATED],
            "actions": [{"type": "set_priority", "priority": "low"}],
        },
        headers=tenant.admin,
    )
    assert edited.status_code == 200, edited.text
    assert ticket(client, tenant)["priority"] == "low"


def test_requester_name_reaches_conditions(client: TestClient, tenant: Tenant) -> None:
    """A condition on the requester makes the run read them before deciding."""
    name = unique("Ada")
    trigger(
        client,
        tenant,
        [{"type": "add_tags", "tags": ["named"]}],
        all=[CREATED, {"field": "requester_name", "op": "contains", "value": name}],
    )
    requester = {"emails": [f"{unique('a')}@example.com"], "first_name": name}
    assert "named" in ticket(client, tenant, requester=requester)["tags"]
    assert "named" not in ticket(client, tenant)["tags"]
