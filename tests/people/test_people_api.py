"""Users, teams and API tokens over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.people import service as people
from cxhub.people.models import ApiToken
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _new_user(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {"email": f"{unique('u')}@example.org", "name": "New Person", "role": "agent"}
    response = client.post("/api/v1/users", json={**payload, **body}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --- users ------------------------------------------------------------------------------------


def test_admin_creates_reads_lists_and_updates_users(client: TestClient, tenant: Tenant) -> None:
    email = f"{unique('Mixed.Case')}@Example.ORG"
    made = _new_user(client, tenant, email=email, name="Dewi Lestari", locale="id", role="csm")
    assert made["email"] == email.lower()
    assert made["role"] == "csm"
    assert made["locale"] == "id"
    assert made["is_active"] is True
    assert "password" not in made
    assert "password_hash" not in made
    url = f"/api/v1/users/{made['id']}"
    assert client.get(url, headers=tenant.headers(Role.VIEWER)).json() == made

    listed = client.get("/api/v1/users", params={"q": "dewi"}, headers=tenant.admin).json()
    assert [u["id"] for u in listed["items"]] == [made["id"]]
    csms = client.get("/api/v1/users", params={"role": "csm"}, headers=tenant.admin).json()
    assert {u["id"] for u in csms["items"]} == {made["id"], tenant.user_ids[Role.CSM]}

    patched = client.patch(
        url, json={"name": "Dewi L.", "time_zone": "Asia/Jakarta"}, headers=tenant.admin
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Dewi L."
    assert patched.json()["time_zone"] == "Asia/Jakarta"
    assert patched.json()["role"] == "csm"


def test_users_list_is_paginated_by_name(client: TestClient, tenant: Tenant) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/users", params=params, headers=tenant.admin).json()
        seen += [u["name"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(Role)
    assert seen == sorted(seen)


def test_duplicate_email_is_409_even_across_workspaces(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = f"{unique('dup')}@example.org"
    _new_user(client, tenant, email=email)
    again = client.post(
        "/api/v1/users",
        json={"email": email.upper(), "name": "Again", "role": "viewer"},
        headers=tenant.admin,
    )
    assert assert_problem(again, 409, "conflict")["field"] == "email"
    elsewhere = client.post(
        "/api/v1/users",
        json={"email": email, "name": "Elsewhere", "role": "viewer"},
        headers=other_tenant.admin,
    )
    assert_problem(elsewhere, 409, "conflict")


def test_invalid_user_input_is_422(client: TestClient, tenant: Tenant) -> None:
    for body in (
        {"email": "not-an-email", "name": "X", "role": "agent"},
        {"email": "ok@example.org", "name": "X", "role": "superuser"},
        {"email": "ok@example.org", "name": "X", "role": "agent", "password": "short"},
        {"email": "ok@example.org", "name": "", "role": "agent"},
    ):
        response = client.post("/api/v1/users", json=body, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")


def test_only_admins_manage_users(client: TestClient, tenant: Tenant) -> None:
    body = {"email": f"{unique('x')}@example.org", "name": "X", "role": "admin"}
    for role in (Role.AGENT, Role.CSM, Role.ANALYST, Role.VIEWER):
        response = client.post("/api/v1/users", json=body, headers=tenant.headers(role))
        assert assert_problem(response, 403, "forbidden")["required_permission"] == "people:manage"
    me = tenant.user_ids[Role.AGENT]
    escalate = client.patch(
        f"/api/v1/users/{me}", json={"role": "admin"}, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(escalate, 403, "forbidden")


def test_role_change_is_audited(client: TestClient, tenant: Tenant) -> None:
    user = _new_user(client, tenant, role="viewer")
    response = client.patch(
        f"/api/v1/users/{user['id']}", json={"role": "analyst"}, headers=tenant.admin
    )
    assert response.json()["role"] == "analyst"
    # a PATCH that does not change the role leaves no role entry
    client.patch(f"/api/v1/users/{user['id']}", json={"role": "analyst"}, headers=tenant.admin)
    with tenant.session() as session:
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_type == "user", AuditEntry.target_id == user["id"])
                .order_by(AuditEntry.id)
            )
        )
    # every PATCH is an administrative change (`user.updated`, at the edge); only the first
    # changed the role
    assert [e.action for e in entries] == [
        "user.created",
        "user.role_changed",
        "user.updated",
        "user.updated",
    ]
    assert entries[2].detail == {"fields": ["role"], "via": "token"}
    change = entries[1]
    assert change.detail == {"from": "viewer", "to": "analyst"}
    assert change.actor_user_id == tenant.user_ids[Role.ADMIN]
    assert change.workspace_id == tenant.workspace_id


def test_role_change_takes_effect_on_the_next_request(client: TestClient, tenant: Tenant) -> None:
    viewer = tenant.headers(Role.VIEWER)
    assert_problem(
        client.post("/api/v1/accounts", json={"name": "Before"}, headers=viewer), 403, "forbidden"
    )
    client.patch(
        f"/api/v1/users/{tenant.user_ids[Role.VIEWER]}", json={"role": "csm"}, headers=tenant.admin
    )
    assert (
        client.post("/api/v1/accounts", json={"name": "After"}, headers=viewer).status_code == 201
    )


def test_get_user_under_system_scope(runtime: Runtime, tenant: Tenant) -> None:
    """CLI commands run with SYSTEM_SCOPE and must find users of any workspace."""
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        user = people.get_user(session, user_id=tenant.user_ids[Role.CSM])
        assert user.role is Role.CSM


# --- teams ------------------------------------------------------------------------------------


def test_team_crud_with_members(client: TestClient, tenant: Tenant) -> None:
    agent, csm = tenant.user_ids[Role.AGENT], tenant.user_ids[Role.CSM]
    created = client.post(
        "/api/v1/teams",
        json={"name": "Tier 1", "description": "First line", "member_ids": [agent, agent]},
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["member_ids"] == [agent]
    url = f"/api/v1/teams/{team['id']}"
    assert client.get(url, headers=tenant.headers(Role.VIEWER)).json() == team

    moved = client.patch(url, json={"member_ids": [csm]}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["member_ids"] == [csm]
    assert moved.json()["name"] == "Tier 1"
    renamed = client.patch(url, json={"name": "Tier 2", "description": ""}, headers=tenant.admin)
    assert renamed.json()["name"] == "Tier 2"
    assert renamed.json()["description"] == ""
    assert renamed.json()["member_ids"] == [csm]

    listed = client.get("/api/v1/teams", headers=tenant.admin).json()
    assert [t["id"] for t in listed["items"]] == [team["id"]]

    assert client.delete(url, headers=tenant.admin).status_code == 204
    assert_problem(client.get(url, headers=tenant.admin), 404, "not-found")
    # members are users, not owned by the team
    user = client.get(f"/api/v1/users/{csm}", headers=tenant.admin)
    assert user.status_code == 200


def test_unknown_team_member_is_422(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/teams",
        json={"name": unique("team "), "member_ids": [tenant.user_ids[Role.AGENT], 987654321]},
        headers=tenant.admin,
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["field"] == "member_ids"
    assert "987654321" in body["detail"]
    team = client.post("/api/v1/teams", json={"name": unique("team ")}, headers=tenant.admin)
    patched = client.patch(
        f"/api/v1/teams/{team.json()['id']}", json={"member_ids": [987654321]}, headers=tenant.admin
    )
    assert_problem(patched, 422, "validation-error")


def test_duplicate_team_name_is_409(client: TestClient, tenant: Tenant) -> None:
    assert client.post("/api/v1/teams", json={"name": "Billing"}, headers=tenant.admin).is_success
    again = client.post("/api/v1/teams", json={"name": "Billing"}, headers=tenant.admin)
    assert assert_problem(again, 409, "conflict")["field"] == "name"
    other = client.post("/api/v1/teams", json={"name": "Renewals"}, headers=tenant.admin).json()
    clash = client.patch(
        f"/api/v1/teams/{other['id']}",
        json={"name": "Billing", "member_ids": [tenant.user_ids[Role.AGENT]]},
        headers=tenant.admin,
    )
    assert assert_problem(clash, 409, "conflict")["field"] == "name"
    unchanged = client.get(f"/api/v1/teams/{other['id']}", headers=tenant.admin).json()
    assert unchanged["name"] == "Renewals"
    assert unchanged["member_ids"] == []


def test_duplicate_team_name_keeps_earlier_work_of_the_same_transaction(
    runtime: Runtime, tenant: Tenant
) -> None:
    """The savepoint rolls back only the failed team, not what the caller did before it."""
    from cxhub.core.errors import Conflict
    from cxhub.people.schemas import TeamCreate

    name = unique("team ")
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        people.create_team(session, workspace_id=tenant.workspace_id, data=TeamCreate(name=name))
        kept = people.create_team(
            session, workspace_id=tenant.workspace_id, data=TeamCreate(name=name + " kept")
        )
        try:
            people.create_team(
                session, workspace_id=tenant.workspace_id, data=TeamCreate(name=name)
            )
        except Conflict:
            pass
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("duplicate team name was accepted")
        assert people.get_team(session, team_id=kept.id).name == name + " kept"
    with tenant.session() as session:
        assert people.get_team(session, team_id=kept.id).name == name + " kept"


# --- API tokens -------------------------------------------------------------------------------


def test_token_secret_is_shown_once(client: TestClient, tenant: Tenant) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "zapier"}, headers=tenant.admin)
    assert created.status_code == 201
    token = created.json()
    assert token["token"].startswith("cxh_")
    assert token["prefix"] == token["token"][:10]
    assert token["revoked_at"] is None
    listed = client.get("/api/v1/me/tokens", headers=tenant.admin).json()
    mine = [t for t in listed if t["id"] == token["id"]]
    assert mine == [{k: v for k, v in token.items() if k != "token"}]
    assert all("token" not in t for t in listed)
    assert token["token"] not in client.get("/api/v1/me/tokens", headers=tenant.admin).text
    # only the hash is stored
    with tenant.session() as session:
        stored = session.get(ApiToken, token["id"])
        assert stored is not None
        assert token["token"] not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64
    # the new token works
    auth = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=auth).json()["id"] == tenant.user_ids[Role.ADMIN]


def test_token_creation_is_audited(client: TestClient, tenant: Tenant) -> None:
    token = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=tenant.admin).json()
    with tenant.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "token.created", AuditEntry.target_id == token["id"]
            )
        ).one()
    assert entry.detail == {"name": "ci"}


def test_revoke_a_token(client: TestClient, tenant: Tenant) -> None:
    token = client.post("/api/v1/me/tokens", json={"name": "old"}, headers=tenant.admin).json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    revoked = client.delete(f"/api/v1/me/tokens/{token['id']}", headers=tenant.admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/me", headers=auth), 401, "unauthenticated")
    listed = client.get("/api/v1/me/tokens", headers=tenant.admin).json()
    assert next(t for t in listed if t["id"] == token["id"])["revoked_at"] is not None
    # revoking twice keeps the first revocation time
    again = client.delete(f"/api/v1/me/tokens/{token['id']}", headers=tenant.admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_users_cannot_revoke_each_others_tokens(client: TestClient, tenant: Tenant) -> None:
    theirs = client.post(
        "/api/v1/me/tokens", json={"name": "agent's"}, headers=tenant.headers(Role.AGENT)
    ).json()
    response = client.delete(f"/api/v1/me/tokens/{theirs['id']}", headers=tenant.admin)
    assert_problem(response, 404, "not-found")
    auth = {"Authorization": f"Bearer {theirs['token']}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200


def test_every_role_manages_its_own_tokens(client: TestClient, tenant: Tenant) -> None:
    for role in Role:
        response = client.post(
            "/api/v1/me/tokens", json={"name": role.value}, headers=tenant.headers(role)
        )
        assert response.status_code == 201, (role, response.text)
        me = client.get("/api/v1/me", headers=tenant.headers(role)).json()
        assert me["role"] == role.value
