"""Every error leaves as RFC 9457 problem+json with a stable `type` (api/problems.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.problems import assert_problem
from tests.factories import Tenant


def test_unknown_route_is_a_404_problem(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/no-such-thing", headers=tenant.admin)
    body = assert_problem(response, 404, "not-found")
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_a_405_problem(client: TestClient, tenant: Tenant) -> None:
    response = client.put("/api/v1/accounts", json={}, headers=tenant.admin)
    assert_problem(response, 405, "method-not-allowed")


def test_missing_object_is_a_404_problem(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/accounts/987654321", headers=tenant.admin)
    body = assert_problem(response, 404, "not-found")
    assert "987654321" in body["detail"]


def test_malformed_json_is_a_422_with_errors(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/accounts",
        content=b'{"name": "Acme",',
        headers={**tenant.admin, "Content-Type": "application/json"},
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"]
    assert body["errors"][0]["type"] == "json_invalid"


def test_schema_violation_lists_each_error_with_its_location(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.post(
        "/api/v1/accounts", json={"name": "", "country": "ITA"}, headers=tenant.admin
    )
    body = assert_problem(response, 422, "validation-error")
    locations = {tuple(error["loc"]) for error in body["errors"]}
    assert ("body", "name") in locations
    assert ("body", "country") in locations
    assert body["detail"].startswith("body.")


def test_bad_query_parameter_is_a_422(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/accounts", params={"limit": 0}, headers=tenant.admin)
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["query", "limit"]
    too_many = client.get("/api/v1/accounts", params={"limit": 501}, headers=tenant.admin)
    assert_problem(too_many, 422, "validation-error")


def test_bad_cursor_is_a_400_invalid_cursor(client: TestClient, tenant: Tenant) -> None:
    for cursor in ("not-base64!", "bm90IGpzb24", "WyJuYW1lIiwiYSIsIngiXQ"):
        response = client.get("/api/v1/accounts", params={"cursor": cursor}, headers=tenant.admin)
        assert_problem(response, 400, "invalid-cursor")


def test_cursor_of_another_sort_is_refused(client: TestClient, tenant: Tenant) -> None:
    for name in ("A", "B", "C"):
        client.post("/api/v1/accounts", json={"name": name}, headers=tenant.admin)
    first = client.get("/api/v1/accounts", params={"limit": 1}, headers=tenant.admin).json()
    response = client.get(
        "/api/v1/accounts",
        params={"limit": 1, "cursor": first["next_cursor"], "sort": "-created_at"},
        headers=tenant.admin,
    )
    body = assert_problem(response, 400, "invalid-cursor")
    assert "sort" in body["detail"]


def test_bad_sort_is_a_400_listing_the_allowed_fields(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/contacts", params={"sort": "password"}, headers=tenant.admin)
    body = assert_problem(response, 400, "invalid-sort")
    assert "name" in body["allowed"]
    assert "-created_at" in body["allowed"]
    assert "password" not in body["allowed"]


def test_naive_occurred_at_is_a_422(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/interactions",
        json={"kind": "call", "channel": "phone", "occurred_at": "2026-01-02T03:04:05"},
        headers=tenant.admin,
    )
    body = assert_problem(response, 422, "validation-error")
    assert any(error["loc"] == ["body", "occurred_at"] for error in body["errors"])


def test_naive_datetime_filter_is_a_422(client: TestClient, tenant: Tenant) -> None:
    response = client.get(
        "/api/v1/interactions",
        params={"occurred_after": "2026-01-02T03:04:05"},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")


def test_conflict_is_a_409_problem(client: TestClient, tenant: Tenant) -> None:
    body = {"emails": ["taken@example.org"]}
    first = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert first.status_code == 201
    again = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert assert_problem(again, 409, "conflict")["contact_id"] == first.json()["id"]


def test_duplicate_row_caught_by_the_database_is_a_409(client: TestClient, tenant: Tenant) -> None:
    body = {"name": "Dup Co", "external_id": "crm-1"}
    assert client.post("/api/v1/accounts", json=body, headers=tenant.admin).status_code == 201
    again = client.post("/api/v1/accounts", json=body, headers=tenant.admin)
    assert_problem(again, 409, "conflict")
    # the failed request left nothing behind and the session of the next one is healthy
    listed = client.get("/api/v1/accounts", params={"q": "Dup Co"}, headers=tenant.admin)
    assert [a["external_id"] for a in listed.json()["items"]] == ["crm-1"]


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


def test_openapi_and_docs_are_published(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/contacts/{contact_id}/timeline" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200
