"""The role matrix (core/permissions.py) as the API enforces it, and authentication failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxhub.api.deps import CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from cxhub.core.db import unit_of_work
from cxhub.core.permissions import ROLE_PERMISSIONS, Permission, Role, role_allows
from cxhub.core.runtime import Runtime
from cxhub.people import service as people
from tests.api.problems import assert_problem
from tests.api.routes import served_routes
from tests.factories import Tenant, make_tenant, unique


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None


Prepare = Callable[[TestClient, Tenant], Call]


def _create(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _merge(client: TestClient, tenant: Tenant) -> Call:
    winner = _create(client, tenant, "/contacts", {"first_name": "Winner"})
    loser = _create(client, tenant, "/contacts", {"first_name": "Loser"})
    return Call("POST", f"/api/v1/contacts/{winner}/merge", {"loser_id": loser})


def _touchpoint(client: TestClient, tenant: Tenant) -> Call:
    contact = _create(client, tenant, "/contacts", {"first_name": "Caller"})
    body = {
        "kind": "call",
        "channel": "phone",
        "occurred_at": "2026-02-01T09:00:00Z",
        "contact_id": contact,
    }
    return Call("POST", "/api/v1/interactions", body)


# A representative route per permission, with what a successful call answers.
def _spam(client: TestClient, tenant: Tenant) -> Call:
    ticket = _create(
        client,
        tenant,
        "/tickets",
        {"subject": "s", "description": "d", "requester": {"emails": ["r@example.com"]}},
    )
    return Call("POST", f"/api/v1/tickets/{ticket}/spam")


def _subscription_body(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    account = _create(client, tenant, "/accounts", {"name": unique("Payer ")})
    return {
        "account_id": account,
        "plan": "pro",
        "currency": "EUR",
        "mrr_cents": 10_000,
        "started_on": "2026-01-01",
    }


REPRESENTATIVE: dict[Permission, tuple[Prepare, int]] = {
    Permission.CUSTOMERS_READ: (lambda c, t: Call("GET", "/api/v1/accounts"), 200),
    Permission.CUSTOMERS_WRITE: (
        lambda c, t: Call("POST", "/api/v1/accounts", {"name": unique("Acct ")}),
        201,
    ),
    Permission.CUSTOMERS_DELETE: (
        lambda c, t: Call(
            "DELETE", f"/api/v1/accounts/{_create(c, t, '/accounts', {'name': 'X'})}"
        ),
        204,
    ),
    Permission.CUSTOMERS_MERGE: (_merge, 200),
    Permission.INTERACTIONS_READ: (lambda c, t: Call("GET", "/api/v1/interactions"), 200),
    Permission.INTERACTIONS_WRITE: (_touchpoint, 201),
    Permission.PEOPLE_READ: (lambda c, t: Call("GET", "/api/v1/users"), 200),
    Permission.PEOPLE_MANAGE: (
        lambda c, t: Call("POST", "/api/v1/teams", {"name": unique("team ")}),
        201,
    ),
    Permission.TOKENS_OWN: (lambda c, t: Call("GET", "/api/v1/me/tokens"), 200),
    Permission.AUDIT_READ: (lambda c, t: Call("GET", "/api/v1/audit"), 200),
    Permission.DATA_EXPORT: (
        lambda c, t: Call(
            "GET", f"/api/v1/contacts/{_create(c, t, '/contacts', {'first_name': 'Ex'})}/export"
        ),
        200,
    ),
    Permission.PRIVACY_MANAGE: (lambda c, t: Call("GET", "/api/v1/privacy/retention"), 200),
    Permission.TICKETS_READ: (lambda c, t: Call("GET", "/api/v1/tickets"), 200),
    Permission.TICKETS_WRITE: (
        lambda c, t: Call(
            "POST",
            "/api/v1/tickets",
            {"subject": "s", "description": "d", "requester": {"emails": ["r@example.com"]}},
        ),
        201,
    ),
    Permission.TICKETS_MANAGE: (_spam, 200),
    Permission.SERVICE_CONFIGURE: (
        lambda c, t: Call(
            "POST",
            "/api/v1/business-calendars",
            {"name": "c", "time_zone": "UTC", "weekly_hours": {"mon": [["09:00", "17:00"]]}},
        ),
        201,
    ),
    Permission.SUCCESS_READ: (lambda c, t: Call("GET", "/api/v1/metrics/revenue"), 200),
    Permission.SUCCESS_WRITE: (
        lambda c, t: Call("POST", "/api/v1/subscriptions", _subscription_body(c, t)),
        201,
    ),
    Permission.KNOWLEDGE_READ: (lambda c, t: Call("GET", "/api/v1/knowledge/articles"), 200),
    Permission.KNOWLEDGE_WRITE: (
        lambda c, t: Call("POST", "/api/v1/knowledge/collections", {"name": unique("kb ")}),
        201,
    ),
    Permission.JOURNEYS_CONFIGURE: (
        lambda c, t: Call("POST", "/api/v1/journeys", {"name": unique("Journey ")}),
        201,
    ),
}


@pytest.fixture(scope="module")
def shared_tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime)


def test_every_permission_a_route_needs_has_a_representative(app: FastAPI) -> None:
    needed = {p for route in served_routes(app) for p in route.permissions}
    assert needed, "no route declares a permission"
    assert needed <= set(REPRESENTATIVE), f"add rows for {sorted(needed - set(REPRESENTATIVE))}"


def test_admin_holds_every_permission_and_viewer_only_reads() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    writes = {p for p in Permission if not p.value.endswith((":read", ":own"))}
    assert not ROLE_PERMISSIONS[Role.VIEWER] & writes
    assert all(Permission.TOKENS_OWN in granted for granted in ROLE_PERMISSIONS.values())


@pytest.mark.parametrize("permission", list(REPRESENTATIVE), ids=lambda p: p.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_matrix_is_enforced(
    client: TestClient, shared_tenant: Tenant, role: Role, permission: Permission
) -> None:
    prepare, success = REPRESENTATIVE[permission]
    call = prepare(client, shared_tenant)
    response = client.request(
        call.method, call.path, json=call.body, headers=shared_tenant.headers(role)
    )
    if role_allows(role, permission):
        assert response.status_code == success, response.text
    else:
        problem = assert_problem(response, 403, "forbidden")
        assert problem["required_permission"] == permission.value
        assert role.value in problem["detail"]


def test_a_forbidden_write_changes_nothing(client: TestClient, shared_tenant: Tenant) -> None:
    name = unique("Denied ")
    response = client.post(
        "/api/v1/accounts", json={"name": name}, headers=shared_tenant.headers(Role.VIEWER)
    )
    assert_problem(response, 403, "forbidden")
    found = client.get("/api/v1/accounts", params={"q": name}, headers=shared_tenant.admin)
    assert found.json()["items"] == []


# --- authentication ---------------------------------------------------------------------------


def test_no_credentials_is_401_with_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/contacts")
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer    ",
        "Token cxh_abc",
        "Bearer cxh_not-a-real-token",
        "Bearer not-even-a-cxhub-token",
        "cxh_token-without-scheme",
    ],
)
def test_malformed_or_unknown_credentials_are_401(client: TestClient, authorization: str) -> None:
    response = client.get("/api/v1/contacts", headers={"Authorization": authorization})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_401(client: TestClient, tenant: Tenant) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "short-lived"}, headers=tenant.admin)
    token = created.json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    revoked = client.delete(f"/api/v1/me/tokens/{token['id']}", headers=auth)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/me", headers=auth), 401, "unauthenticated")
    # the caller's other tokens keep working
    assert client.get("/api/v1/me", headers=tenant.admin).status_code == 200


def test_deactivated_user_is_401(client: TestClient, tenant: Tenant) -> None:
    agent = tenant.user_ids[Role.AGENT]
    response = client.patch(
        f"/api/v1/users/{agent}", json={"is_active": False}, headers=tenant.admin
    )
    assert response.status_code == 200
    assert_problem(
        client.get("/api/v1/me", headers=tenant.headers(Role.AGENT)), 401, "unauthenticated"
    )


# --- browser sessions: cookie + CSRF ------------------------------------------------------------


@pytest.fixture
def web_login(runtime: Runtime, tenant: Tenant) -> tuple[str, str]:
    """A web session cookie for the tenant's agent and its CSRF token."""
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        user = people.get_user(session, user_id=tenant.user_ids[Role.AGENT])
        _, secret = people.start_web_session(session, user=user, max_age_seconds=600)
    return secret, csrf_token_for(runtime.settings.secret_key, secret)


def test_session_cookie_authenticates_reads(
    app: FastAPI, tenant: Tenant, web_login: tuple[str, str]
) -> None:
    cookie, _ = web_login
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as browser:
        response = browser.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == tenant.user_ids[Role.AGENT]


def test_session_writes_need_the_csrf_token(app: FastAPI, web_login: tuple[str, str]) -> None:
    cookie, csrf = web_login
    body = {"name": unique("Acct ")}
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as browser:
        missing = browser.post("/api/v1/accounts", json=body)
        wrong = browser.post("/api/v1/accounts", json=body, headers={CSRF_HEADER: "0" * 64})
        right = browser.post("/api/v1/accounts", json=body, headers={CSRF_HEADER: csrf})
    assert assert_problem(missing, 403, "forbidden")["reason"] == "csrf"
    assert assert_problem(wrong, 403, "forbidden")["reason"] == "csrf"
    assert right.status_code == 201, right.text


def test_unknown_session_cookie_is_401(app: FastAPI) -> None:
    with TestClient(app, cookies={SESSION_COOKIE: "forged"}) as browser:
        assert_problem(browser.get("/api/v1/me"), 401, "unauthenticated")
