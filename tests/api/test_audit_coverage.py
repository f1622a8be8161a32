"""Every administrative action, data export, merge and deletion leaves an audit entry.

Which routes must be audited is derived from the route table: every mutating route whose
permission only admins hold, every DELETE, every merge, erase or spam marking, and every route
that exports data. Each must be audited by its service (`SERVICE_AUDITED`) or at the edge
(`ROUTE_AUDIT`, api/audit_trail.py); a new route that is neither fails here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxhub.api.audit_trail import ROUTE_AUDIT, SERVICE_AUDITED, route_key
from cxhub.core.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.api.routes import ServedRoute, served_routes
from tests.factories import Tenant, unique

ADMIN_ONLY = frozenset(
    p for p in Permission if all(p not in ROLE_PERMISSIONS[r] for r in Role if r != Role.ADMIN)
)
AUDITED_VERBS = ("/merge", "/erase", "/spam")


def _must_be_audited(route: ServedRoute) -> bool:
    if Permission.DATA_EXPORT in route.permissions:
        return True
    if route.method == "GET":
        return False
    return bool(
        route.permissions & ADMIN_ONLY
        or route.method == "DELETE"
        or route.path.endswith(AUDITED_VERBS)
    )


def test_admin_only_permissions_are_the_expected_ones() -> None:
    assert Permission.SERVICE_CONFIGURE in ADMIN_ONLY
    assert Permission.PEOPLE_MANAGE in ADMIN_ONLY
    assert Permission.PRIVACY_MANAGE in ADMIN_ONLY
    assert Permission.TICKETS_WRITE not in ADMIN_ONLY


def test_every_administrative_route_is_audited(app: FastAPI) -> None:
    required = {route_key(r.method, r.path) for r in served_routes(app) if _must_be_audited(r)}
    assert len(required) >= 40
    covered = set(ROUTE_AUDIT) | set(SERVICE_AUDITED)
    assert sorted(required - covered) == [], (
        "audit these routes: in their service (add to SERVICE_AUDITED) or at the edge "
        "(ROUTE_AUDIT in api/audit_trail.py)"
    )


def test_the_audit_maps_name_only_served_routes_once(app: FastAPI) -> None:
    served = {route_key(r.method, r.path) for r in served_routes(app)}
    assert set(ROUTE_AUDIT) <= served
    assert set(SERVICE_AUDITED) <= served
    assert not set(ROUTE_AUDIT) & set(SERVICE_AUDITED), "one audit entry per call"


def _entries(client: TestClient, tenant: Tenant, action: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params={"action": action}, headers=tenant.admin)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_edge_audit_records_actor_target_and_field_names(
    client: TestClient, tenant: Tenant
) -> None:
    created = client.post(
        "/api/v1/teams", json={"name": unique("Billing ")}, headers=tenant.admin
    ).json()
    renamed = client.patch(
        f"/api/v1/teams/{created['id']}", json={"name": unique("Invoices ")}, headers=tenant.admin
    )
    assert renamed.status_code == 200
    deleted = client.delete(f"/api/v1/teams/{created['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    for action in ("team.created", "team.updated", "team.deleted"):
        (entry,) = _entries(client, tenant, action)
        assert entry["target_type"] == "team"
        assert entry["target_id"] == created["id"]
        assert entry["actor_user_id"] == tenant.user_ids[Role.ADMIN]
    assert _entries(client, tenant, "team.updated")[0]["detail"] == {
        "fields": ["name"],
        "via": "token",
    }


def test_secrets_sent_to_audited_routes_stay_out_of_the_trail(
    client: TestClient, tenant: Tenant
) -> None:
    key = client.post(
        "/api/v1/tracking/write-keys", json={"name": "app"}, headers=tenant.admin
    ).json()
    (entry,) = _entries(client, tenant, "write_key.created")
    assert entry["target_id"] == key["id"]
    assert key["write_key"] not in str(entry)


def test_deletions_are_audited_and_failures_are_not(client: TestClient, tenant: Tenant) -> None:
    contact = client.post(
        "/api/v1/contacts", json={"first_name": "Gone"}, headers=tenant.admin
    ).json()
    assert (
        client.delete(f"/api/v1/contacts/{contact['id']}", headers=tenant.admin).status_code == 204
    )
    missing = client.delete(f"/api/v1/contacts/{contact['id']}", headers=tenant.admin)
    assert missing.status_code == 404
    entries = _entries(client, tenant, "contact.deleted")
    assert [e["target_id"] for e in entries] == [contact["id"]]
    invalid = client.post("/api/v1/teams", json={"name": ""}, headers=tenant.admin)
    assert invalid.status_code == 422
    assert _entries(client, tenant, "team.created") == []


def test_only_admins_read_the_audit_trail(client: TestClient, tenant: Tenant) -> None:
    for role in (Role.AGENT, Role.CSM, Role.ANALYST, Role.VIEWER):
        assert client.get("/api/v1/audit", headers=tenant.headers(role)).status_code == 403


def test_the_trail_is_per_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    client.post("/api/v1/teams", json={"name": unique("Ops ")}, headers=other_tenant.admin)
    assert _entries(client, tenant, "team.created") == []
    assert len(_entries(client, other_tenant, "team.created")) == 1
