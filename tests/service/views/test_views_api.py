"""Saved views over HTTP: built-ins, `me`, counts and their cap, personal vs shared, tickets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.db import utcnow
from cxhub.core.permissions import Role
from cxhub.service.tickets.models import Ticket
from cxhub.service.views import service as views
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> int:
    payload = {
        "subject": "Help",
        "description": "Something broke",
        "requester": {"emails": [f"{unique('r')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _views(client: TestClient, tenant: Tenant, role: Role = Role.ADMIN) -> dict[str, Any]:
    response = client.get("/api/v1/views", headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    return {view["name"]: view for view in response.json()}


def test_builtin_views_count_per_caller(client: TestClient, tenant: Tenant) -> None:
    agent = tenant.user_ids[Role.AGENT]
    _ticket(client, tenant, assignee_id=agent)
    _ticket(client, tenant, priority="urgent")
    _ticket(client, tenant)
    as_agent = _views(client, tenant, Role.AGENT)
    assert list(as_agent)[:6] == [
        "My open tickets",
        "Unassigned",
        "Unassigned urgent",
        "Breaching within 1 hour",
        "All unsolved",
        "Recently solved",
    ]
    assert as_agent["My open tickets"]["count"] == 1
    assert as_agent["Unassigned"]["count"] == 2
    assert as_agent["Unassigned urgent"]["count"] == 1
    assert as_agent["All unsolved"]["count"] == 3
    assert as_agent["Recently solved"]["count"] == 0
    assert as_agent["All unsolved"]["count_capped"] is False
    assert _views(client, tenant)["My open tickets"]["count"] == 0  # admin holds none
    mine = client.get("/api/v1/views/my-open/tickets", headers=tenant.headers(Role.AGENT))
    assert [t["assignee_id"] for t in mine.json()["items"]] == [agent]


def test_breaching_view_uses_next_sla_due_at(client: TestClient, tenant: Tenant) -> None:
    soon, later = _ticket(client, tenant), _ticket(client, tenant)
    with tenant.session() as session:
        session.get(Ticket, soon).next_sla_due_at = utcnow() + timedelta(minutes=30)
        session.get(Ticket, later).next_sla_due_at = utcnow() + timedelta(hours=3)
    response = client.get("/api/v1/views/breaching-1h/tickets", headers=tenant.admin)
    assert [t["id"] for t in response.json()["items"]] == [soon]


def test_personal_view_with_search_and_tags(client: TestClient, tenant: Tenant) -> None:
    word = unique("vw")
    wanted = _ticket(client, tenant, subject=f"{word} invoice", tags=["billing"])
    _ticket(client, tenant, subject=f"{word} other", tags=["misc"])
    body = {"name": "Billing words", "conditions": {"q": word, "tags": ["Billing", "refund"]}}
    created = client.post("/api/v1/views", json=body, headers=tenant.headers(Role.AGENT))
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["shared"], view["owner_id"]) == (False, tenant.user_ids[Role.AGENT])
    listed = _views(client, tenant, Role.AGENT)["Billing words"]
    assert (listed["count"], listed["count_capped"]) == (1, False)
    tickets = client.get(f"/api/v1/views/{view['id']}/tickets", headers=tenant.headers(Role.AGENT))
    assert [t["id"] for t in tickets.json()["items"]] == [wanted]
    # Someone else's personal view does not exist for the others.
    assert "Billing words" not in _views(client, tenant, Role.CSM)
    for method in ("GET", "PATCH", "DELETE"):
        path = f"/api/v1/views/{view['id']}" + ("/tickets" if method == "GET" else "")
        other = client.request(method, path, json={"name": "x"}, headers=tenant.headers(Role.CSM))
        assert_problem(other, 404, "not-found")
    renamed = client.patch(
        f"/api/v1/views/{view['id']}", json={"name": "Mine"}, headers=tenant.headers(Role.AGENT)
    )
    assert renamed.json()["name"] == "Mine"
    gone = client.delete(f"/api/v1/views/{view['id']}", headers=tenant.headers(Role.AGENT))
    assert gone.status_code == 204


def test_shared_views_need_service_configure(client: TestClient, tenant: Tenant) -> None:
    body = {"name": unique("Team queue "), "shared": True, "conditions": {"statuses": ["open"]}}
    denied = client.post("/api/v1/views", json=body, headers=tenant.headers(Role.AGENT))
    assert_problem(denied, 403, "forbidden")
    assert_problem(
        client.post("/api/v1/views", json=body, headers=tenant.headers(Role.VIEWER)),
        403,
        "forbidden",
    )
    shared = client.post("/api/v1/views", json=body, headers=tenant.admin).json()
    assert body["name"] in _views(client, tenant, Role.VIEWER)
    patch = client.patch(
        f"/api/v1/views/{shared['id']}", json={"name": "x"}, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(patch, 403, "forbidden")
    assert_problem(
        client.delete(f"/api/v1/views/{shared['id']}", headers=tenant.headers(Role.AGENT)),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "conditions": {"q": "***"}},
        {"name": "x", "conditions": {"assignee": "someone"}},
        {"name": "x", "conditions": {"unknown": 1}},
        {"name": "x", "sort": "subject"},
        {"name": "x", "conditions": {"sla_due_within_minutes": 0}},
        {"name": ""},
    ],
)
def test_invalid_views_are_422(client: TestClient, tenant: Tenant, body: dict[str, Any]) -> None:
    assert_problem(
        client.post("/api/v1/views", json=body, headers=tenant.admin), 422, "validation-error"
    )


def test_builtin_views_cannot_be_changed_and_unknown_ids_are_404(
    client: TestClient, tenant: Tenant
) -> None:
    patch = client.patch("/api/v1/views/unassigned", json={"name": "x"}, headers=tenant.admin)
    assert_problem(patch, 422, "validation-error")
    for view_id in ("nope", "99999999999", "9" * 40):
        response = client.get(f"/api/v1/views/{view_id}/tickets", headers=tenant.admin)
        assert_problem(response, 404, "not-found")


def test_counts_are_capped(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    for _ in range(3):
        _ticket(client, tenant)
    unsolved = _views(client, tenant)["All unsolved"]
    assert (unsolved["count"], unsolved["count_capped"]) == (2, True)
