"""Subscriptions through the API: create, change with history, cancel, upsert, timeline, events,
validation and permissions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.events import DomainEvent
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.success.subscriptions.events import (
    SubscriptionCanceled,
    SubscriptionChanged,
    SubscriptionStarted,
)
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

API = "/api/v1"


def _account(client: TestClient, tenant: Tenant) -> int:
    response = client.post(f"{API}/accounts", json={"name": unique("Acct ")}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _body(account_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "plan": "pro",
        "currency": "eur",
        "mrr_cents": 10_000,
        "seats": 5,
        "started_on": "2026-01-10",
        "renewal_on": "2027-01-10",
    } | overrides


def _create(client: TestClient, tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}/subscriptions", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def seen(runtime: Runtime, tenant: Tenant) -> list[DomainEvent]:
    events: list[DomainEvent] = []

    def keep(event: DomainEvent) -> None:
        if event.workspace_id == tenant.workspace_id:
            events.append(event)

    for kind in (SubscriptionStarted, SubscriptionChanged, SubscriptionCanceled):
        runtime.events.subscribe(kind, keep)
    return events


def test_lifecycle_keeps_the_mrr_history_and_the_timeline(
    client: TestClient, tenant: Tenant, seen: list[DomainEvent]
) -> None:
    account = _account(client, tenant)
    created = _create(client, tenant, _body(account))
    assert created["currency"] == "EUR"
    assert created["status"] == "active"
    assert [(h["effective_on"], h["mrr_cents"], h["reason"]) for h in created["mrr_history"]] == [
        ("2026-01-10", 10_000, "started")
    ]
    sid = created["id"]
    changed = client.patch(
        f"{API}/subscriptions/{sid}",
        json={"mrr_cents": 15_000, "seats": 8, "effective_on": "2026-03-15"},
        headers=tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["mrr_cents"] == 15_000
    assert changed.json()["mrr_history"][-1] == {
        "effective_on": "2026-03-15",
        "mrr_cents": 15_000,
        "seats": 8,
        "plan": "pro",
        "reason": "upgrade",
    }
    # a renewal date alone is no MRR change
    renewed = client.patch(
        f"{API}/subscriptions/{sid}", json={"renewal_on": "2027-02-01"}, headers=tenant.admin
    )
    assert len(renewed.json()["mrr_history"]) == 2
    canceled = client.post(
        f"{API}/subscriptions/{sid}/cancel",
        json={"ended_on": "2026-06-01", "reason": "budget"},
        headers=tenant.admin,
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["ended_on"] == "2026-06-01"
    assert canceled.json()["mrr_history"][-1]["mrr_cents"] == 0
    again = client.post(f"{API}/subscriptions/{sid}/cancel", json={}, headers=tenant.admin)
    assert_problem(again, 409, "conflict")
    late = client.patch(f"{API}/subscriptions/{sid}", json={"mrr_cents": 1}, headers=tenant.admin)
    assert_problem(late, 409, "conflict")

    timeline = client.get(f"{API}/accounts/{account}/timeline", headers=tenant.admin).json()
    kinds = [(i["kind"], i["channel"], i["occurred_at"][:10]) for i in timeline["items"]]
    assert kinds == [
        ("subscription.canceled", "api", "2026-06-01"),
        ("subscription.changed", "api", "2026-03-15"),
        ("subscription.started", "api", "2026-01-10"),
    ]
    assert [e.name for e in seen] == [
        "subscription.started",
        "subscription.changed",
        "subscription.canceled",
    ]
    assert isinstance(seen[1], SubscriptionChanged)
    assert (seen[1].previous_mrr_cents, seen[1].mrr_cents) == (10_000, 15_000)


def test_reads_and_lists(client: TestClient, tenant: Tenant) -> None:
    account = _account(client, tenant)
    other = _account(client, tenant)
    first = _create(client, tenant, _body(account))
    _create(client, tenant, _body(other, currency="USD"))
    got = client.get(f"{API}/subscriptions/{first['id']}", headers=tenant.headers(Role.VIEWER))
    assert got.status_code == 200
    assert got.json()["account_id"] == account
    listed = client.get(f"{API}/accounts/{account}/subscriptions", headers=tenant.admin).json()
    assert [s["id"] for s in listed["items"]] == [first["id"]]
    usd = client.get(f"{API}/subscriptions", params={"currency": "usd"}, headers=tenant.admin)
    assert [s["account_id"] for s in usd.json()["items"]] == [other]
    missing = client.get(f"{API}/subscriptions/999999999", headers=tenant.admin)
    assert_problem(missing, 404, "not-found")


def test_external_id_upsert_is_idempotent(client: TestClient, tenant: Tenant) -> None:
    account = _account(client, tenant)
    body = _body(account, external_id="sub-1")
    first = _create(client, tenant, body)
    again = client.post(f"{API}/subscriptions", json=body, headers=tenant.admin)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"]
    assert len(again.json()["mrr_history"]) == 1
    raised = client.post(
        f"{API}/subscriptions",
        json=body | {"mrr_cents": 12_000, "effective_on": "2026-02-01"},
        headers=tenant.admin,
    )
    assert raised.status_code == 200
    assert [h["mrr_cents"] for h in raised.json()["mrr_history"]] == [10_000, 12_000]
    moved = client.post(
        f"{API}/subscriptions", json=body | {"currency": "USD"}, headers=tenant.admin
    )
    assert_problem(moved, 409, "conflict")
    ended = client.post(
        f"{API}/subscriptions",
        json=body | {"mrr_cents": 12_000, "ended_on": "2026-04-01"},
        headers=tenant.admin,
    )
    assert ended.json()["status"] == "canceled"
    assert ended.json()["mrr_history"][-1] == {
        "effective_on": "2026-04-01",
        "mrr_cents": 0,
        "seats": 0,
        "plan": "pro",
        "reason": "canceled",
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"mrr_cents": -1},
        {"mrr_cents": 10.5},
        {"seats": -2},
        {"ended_on": "2026-01-09"},
        {"renewal_on": "2025-12-31"},
        {"currency": "EURO"},
        {"currency": "E1R"},
        {"started_on": "0001-01-01"},
        {"status": "active", "ended_on": "2026-05-01"},
        {"status": "canceled"},
        {"plan": ""},
    ],
)
def test_invalid_subscriptions_are_422(
    client: TestClient, tenant: Tenant, overrides: dict[str, Any]
) -> None:
    account = _account(client, tenant)
    response = client.post(
        f"{API}/subscriptions", json=_body(account, **overrides), headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")


def test_invalid_changes_are_422(client: TestClient, tenant: Tenant) -> None:
    sid = _create(client, tenant, _body(_account(client, tenant)))["id"]
    for body in (
        {"mrr_cents": -5},
        {"mrr_cents": 1, "effective_on": "2025-01-01"},
        {"status": "canceled"},
        {"renewal_on": "2020-01-01"},
    ):
        response = client.patch(f"{API}/subscriptions/{sid}", json=body, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")
    for body in ({"ended_on": "2026-01-01"}, {"status": "active"}):
        response = client.post(f"{API}/subscriptions/{sid}/cancel", json=body, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")


def test_unknown_or_foreign_account_is_404(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = _account(client, other_tenant)
    response = client.post(f"{API}/subscriptions", json=_body(foreign), headers=tenant.admin)
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.AGENT])
def test_only_admins_and_csms_write(client: TestClient, tenant: Tenant, role: Role) -> None:
    account = _account(client, tenant)
    response = client.post(
        f"{API}/subscriptions", json=_body(account), headers=tenant.headers(role)
    )
    problem = assert_problem(response, 403, "forbidden")
    assert problem["required_permission"] == "success:write"
    sid = _create(client, tenant, _body(account))["id"]
    patch = client.patch(
        f"{API}/subscriptions/{sid}", json={"mrr_cents": 1}, headers=tenant.headers(role)
    )
    assert_problem(patch, 403, "forbidden")
    assert client.get(f"{API}/subscriptions/{sid}", headers=tenant.headers(role)).status_code == 200
    created = client.post(
        f"{API}/subscriptions", json=_body(account), headers=tenant.headers(Role.CSM)
    )
    assert created.status_code == 201
