"""Playbook configuration through the API: create, replace, switch, delete, validation,
permissions and the webhook target rule."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.success.playbooks.conftest import API, playbook, post

RENEWAL = {"type": "renewal_due", "days": 45}


def test_create_read_replace_switch_and_delete(client: TestClient, tenant: Tenant) -> None:
    created = playbook(
        client,
        tenant,
        trigger=RENEWAL,
        conditions=[{"field": "tier", "op": "in", "value": ["enterprise"]}],
        description="Renewals of key accounts",
    )
    assert created["enabled"] is True
    assert created["trigger"] == {"type": "renewal_due", "days": 45}
    assert created["conditions"][0]["value"] == ["enterprise"]
    assert created["actions"][0]["due_in_days"] == 2
    assert created["actions"][0]["priority"] == "normal"  # defaults are stored
    assert len(created["webhook_secret"]) >= 32
    assert created["open_episodes"] == 0
    as_viewer = client.get(f"{API}/playbooks/{created['id']}", headers=tenant.headers(Role.VIEWER))
    assert as_viewer.status_code == 200
    assert as_viewer.json()["webhook_secret"] is None
    replaced = client.put(
        f"{API}/playbooks/{created['id']}",
        json={
            "name": "Renewal in 30 days",
            "trigger": {"type": "renewal_due", "days": 30},
            "actions": [{"type": "tag_account", "tags": ["renewal"]}],
        },
        headers=tenant.headers(Role.CSM),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "Renewal in 30 days"
    assert replaced.json()["conditions"] == []
    assert replaced.json()["webhook_secret"] == created["webhook_secret"]
    off = client.post(f"{API}/playbooks/{created['id']}/disable", headers=tenant.admin)
    assert off.json()["enabled"] is False
    on = client.post(f"{API}/playbooks/{created['id']}/enable", headers=tenant.admin)
    assert on.json()["enabled"] is True
    listed = client.get(f"{API}/playbooks", headers=tenant.admin).json()["items"]
    assert [p["id"] for p in listed] == [created["id"]]
    gone = client.delete(f"{API}/playbooks/{created['id']}", headers=tenant.admin)
    assert gone.status_code == 204
    assert_problem(
        client.get(f"{API}/playbooks/{created['id']}", headers=tenant.admin), 404, "not-found"
    )


def _body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": unique("pb "),
        "trigger": RENEWAL,
        "actions": [{"type": "create_task", "title": "t"}],
    } | overrides


@pytest.mark.parametrize(
    "body",
    [
        _body(trigger={"type": "moon_phase"}),
        _body(trigger={"type": "usage_drop", "max_trend": 1.5}),
        _body(trigger={"type": "health_band", "bands": []}),
        _body(trigger={"type": "repeated_tickets", "tag": "a", "ticket_type": "b"}),
        _body(actions=[]),
        _body(actions=[{"type": "create_task", "title": "{{ ticket.subject }}"}]),
        _body(actions=[{"type": "create_task", "title": "{{ account.__class__ }}"}]),
        _body(actions=[{"type": "send_email", "to": ["nobody"], "subject": "s", "body": "b"}]),
        _body(actions=[{"type": "webhook", "url": "ftp://example.com/hook"}]),
        _body(actions=[{"type": "enrol_in_survey", "survey": "NPS Survey!"}]),
        _body(conditions=[{"field": "tags", "op": "in", "value": ["x"]}]),
        _body(conditions=[{"field": "tier", "op": "in"}]),
        _body(conditions=[{"field": "owner", "op": "is_set", "value": ["x"]}]),
        _body(name="   "),
        _body(surprise=True),
    ],
)
def test_invalid_playbooks_are_refused_with_a_problem(
    client: TestClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    response = client.post(f"{API}/playbooks", json=body, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://0.0.0.0/",
    ],
)
def test_webhooks_to_private_targets_are_refused(
    client: TestClient, tenant: Tenant, url: str
) -> None:
    body = _body(actions=[{"type": "webhook", "url": url}])
    response = client.post(f"{API}/playbooks", json=body, headers=tenant.admin)
    problem = assert_problem(response, 422, "unsafe-target")
    assert problem["field"] == "url"


def test_a_public_webhook_target_is_accepted(client: TestClient, tenant: Tenant) -> None:
    body = _body(actions=[{"type": "webhook", "url": "https://hooks.example.com/cx?x=1"}])
    assert client.post(f"{API}/playbooks", json=body, headers=tenant.admin).status_code == 201


def test_names_are_unique_per_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    name = unique("Same ")
    post(client, tenant, "/playbooks", _body(name=name))
    assert_problem(
        client.post(f"{API}/playbooks", json=_body(name=name), headers=tenant.admin),
        409,
        "conflict",
    )
    post(client, other_tenant, "/playbooks", _body(name=name))
    other = post(client, tenant, "/playbooks", _body())
    renamed = client.put(
        f"{API}/playbooks/{other['id']}", json=_body(name=name), headers=tenant.admin
    )
    assert_problem(renamed, 409, "conflict")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.AGENT])
def test_only_success_writers_configure_playbooks(
    client: TestClient, tenant: Tenant, role: Role
) -> None:
    created = post(client, tenant, "/playbooks", _body())
    headers = tenant.headers(role)
    assert client.get(f"{API}/playbooks", headers=headers).status_code == 200
    for response in (
        client.post(f"{API}/playbooks", json=_body(), headers=headers),
        client.put(f"{API}/playbooks/{created['id']}", json=_body(), headers=headers),
        client.post(f"{API}/playbooks/{created['id']}/disable", headers=headers),
        client.delete(f"{API}/playbooks/{created['id']}", headers=headers),
        client.post(
            f"{API}/playbooks/signals/nps", json={"account_id": 1, "score": 3}, headers=headers
        ),
    ):
        assert_problem(response, 403, "forbidden")
    assert client.get(f"{API}/playbooks/{created['id']}", headers=tenant.admin).json()["enabled"]


def test_another_workspace_cannot_reach_playbooks(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = post(client, tenant, "/playbooks", _body())
    for response in (
        client.get(f"{API}/playbooks/{created['id']}", headers=other_tenant.admin),
        client.get(f"{API}/playbooks/{created['id']}/runs", headers=other_tenant.admin),
        client.post(f"{API}/playbooks/{created['id']}/disable", headers=other_tenant.admin),
        client.delete(f"{API}/playbooks/{created['id']}", headers=other_tenant.admin),
    ):
        assert_problem(response, 404, "not-found")
    assert client.get(f"{API}/playbooks", headers=other_tenant.admin).json()["items"] == []
    assert client.get(f"{API}/playbooks/{created['id']}", headers=tenant.admin).json()["enabled"]
