"""Macros: configured by admins, applied (or previewed) by agents on a ticket."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.service.automations.helpers import create, rule_runs, thread, ticket

ASK_FOR_LOGS: dict[str, Any] = {
    "name": "Ask for logs",
    "actions": [
        {"type": "set_status", "status": "pending"},
        {"type": "add_tags", "tags": ["waiting_for_logs"]},
        {
            "type": "reply_public",
            "body": "Hi {{ requester.first_name }}, logs please. {{ agent.name }}",
        },
        {"type": "add_internal_note", "body": "Logs requested by {{ agent.email }}"},
    ],
}


def test_preview_changes_nothing(client: TestClient, tenant: Tenant) -> None:
    macro = create(client, tenant, "/macros", ASK_FOR_LOGS)
    created = ticket(client, tenant)
    agent = tenant.headers(Role.AGENT)
    url = f"/api/v1/tickets/{created['id']}/macros/{macro['id']}/apply"
    response = client.post(url, params={"preview": "true"}, headers=agent)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["preview"] is True
    assert set(preview["changed_fields"]) == {"status", "tags"}
    assert preview["ticket"]["status"] == "pending"
    assert preview["public_reply"] == f"Hi Ada, logs please. agent {tenant.slug}"
    assert preview["internal_note"] == f"Logs requested by agent-{tenant.slug}@example.com"
    shown = client.get(f"/api/v1/tickets/{created['id']}", headers=agent).json()
    assert (shown["status"], shown["tags"]) == ("new", [])
    assert len(thread(client, tenant, created["id"])) == 1
    assert rule_runs(client, tenant, created["id"]) == []


def test_apply_changes_fields_and_posts_as_the_agent(client: TestClient, tenant: Tenant) -> None:
    macro = create(client, tenant, "/macros", ASK_FOR_LOGS)
    created = ticket(client, tenant)
    agent = tenant.headers(Role.AGENT)
    url = f"/api/v1/tickets/{created['id']}/macros/{macro['id']}/apply"
    response = client.post(url, headers=agent)
    assert response.status_code == 200, response.text
    applied = response.json()
    assert applied["preview"] is False
    assert applied["public_reply_id"]
    assert applied["internal_note_id"]
    shown = client.get(f"/api/v1/tickets/{created['id']}", headers=agent).json()
    assert (shown["status"], shown["tags"]) == ("pending", ["waiting_for_logs"])
    posted = thread(client, tenant, created["id"])[1:]
    agent_id = tenant.user_ids[Role.AGENT]
    assert [(m["author_user_id"], m["public"]) for m in posted] == [
        (agent_id, True),
        (agent_id, False),
    ]
    [run] = rule_runs(client, tenant, created["id"])
    assert (run["rule_kind"], run["rule_id"]) == ("macro", macro["id"])


def test_macro_permissions_and_validation(client: TestClient, tenant: Tenant) -> None:
    agent = tenant.headers(Role.AGENT)
    response = client.post("/api/v1/macros", json=ASK_FOR_LOGS, headers=agent)
    assert_problem(response, 403, "forbidden")
    macro = create(client, tenant, "/macros", ASK_FOR_LOGS)
    assert client.get("/api/v1/macros", headers=agent).json()[0]["id"] == macro["id"]
    created = ticket(client, tenant)
    url = f"/api/v1/tickets/{created['id']}/macros/{macro['id']}/apply"
    assert_problem(client.post(url, headers=tenant.headers(Role.VIEWER)), 403, "forbidden")
    notify = {"type": "notify", "recipients": ["assignee"], "subject": "s", "body": "b"}
    response = client.post(
        "/api/v1/macros", json={"name": "x", "actions": [notify]}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    missing = f"/api/v1/tickets/{created['id']}/macros/999999999/apply"
    assert_problem(client.post(missing, headers=agent), 404, "not-found")


def test_macro_crud(client: TestClient, tenant: Tenant) -> None:
    macro = create(client, tenant, "/macros", ASK_FOR_LOGS)
    url = f"/api/v1/macros/{macro['id']}"
    replaced = client.put(
        url, json={**ASK_FOR_LOGS, "name": "Logs", "active": False}, headers=tenant.admin
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["name"], replaced.json()["active"]) == ("Logs", False)
    created = ticket(client, tenant)
    apply_url = f"/api/v1/tickets/{created['id']}/macros/{macro['id']}/apply"
    assert_problem(client.post(apply_url, headers=tenant.admin), 422, "validation-error")
    assert client.delete(url, headers=tenant.admin).status_code == 204
    assert_problem(client.get(url, headers=tenant.admin), 404, "not-found")


def test_automation_crud(client: TestClient, tenant: Tenant) -> None:
    body = {
        "name": "Close solved",
        "all": [
            {"field": "status", "op": "is", "value": "solved"},
            {"field": "hours_since_solved", "op": "gte", "value": 96},
        ],
        "actions": [{"type": "set_status", "status": "closed"}],
    }
    automation = create(client, tenant, "/automations", body)
    url = f"/api/v1/automations/{automation['id']}"
    assert client.get(url, headers=tenant.headers(Role.VIEWER)).json()["all"] == body["all"]
    replaced = client.put(url, json={**body, "position": 3}, headers=tenant.admin)
    assert replaced.json()["position"] == 3
    assert_problem(
        client.put(url, json={**body, "all": []}, headers=tenant.admin), 422, "validation-error"
    )
    assert client.delete(url, headers=tenant.admin).status_code == 204
    assert client.get("/api/v1/automations", headers=tenant.admin).json() == []
