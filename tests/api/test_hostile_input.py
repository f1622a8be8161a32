"""Hostile but well-formed input gets a 4xx problem, never a 500 (found in review)."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from tests.factories import Tenant


def _cursor(sort: str, value: object, last_id: object) -> str:
    raw = json.dumps([sort, value, last_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "value", "last_id"),
    [
        ("name", {"dt": "garbage"}, 1),
        ("created_at", {"dt": "2020-01-01T00:00:00"}, 1),  # naive
        ("name", [1, 2], 1),
        ("name", {"a": 1}, 1),
        ("updated_at", 5, 1),
        ("name", 1, 1),  # an int for a text column (PostgreSQL would reject the comparison)
        ("name", "x", True),
        ("name", "x", 10**30),
        ("name", "x\u0000y", 1),
    ],
)
def test_tampered_cursor_values_are_invalid_cursor(
    client: TestClient, tenant: Tenant, sort: str, value: object, last_id: object
) -> None:
    for params in ({"sort": sort}, {"sort": sort, "q": "ada"}):
        cursor = _cursor(sort, value, last_id)
        response = client.get(
            "/api/v1/contacts", params={**params, "cursor": cursor}, headers=tenant.admin
        )
        assert response.status_code == 400, response.text
        assert response.json()["type"].endswith("/invalid-cursor")


def test_ids_beyond_64_bits_are_a_client_error(client: TestClient, tenant: Tenant) -> None:
    huge = 2**70
    for path in (f"/api/v1/contacts/{huge}", f"/api/v1/accounts/{huge}/timeline"):
        response = client.get(path, headers=tenant.admin)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    body = client.post(
        "/api/v1/contacts", json={"emails": ["big@x.io"], "account_id": huge}, headers=tenant.admin
    )
    assert 400 <= body.status_code < 500


def test_occurred_at_outside_plausible_years_is_refused(client: TestClient, tenant: Tenant) -> None:
    contact = client.post("/api/v1/contacts", json={"emails": ["y1@x.io"]}, headers=tenant.admin)
    response = client.post(
        "/api/v1/interactions",
        json={
            "kind": "call",
            "channel": "phone",
            "occurred_at": "0001-01-01T00:00:00+14:00",
            "contact_id": contact.json()["id"],
        },
        headers=tenant.admin,
    )
    assert response.status_code == 422
    assert "occurred_at" in response.json()["detail"]


def test_non_ascii_csrf_token_is_refused_not_crashed(client: TestClient, tenant: Tenant) -> None:
    from cxhub.api.deps import same_secret

    assert same_secret("é", "abc") is False
    assert same_secret("abc", "abc") is True


def test_time_zones_and_locales_are_validated(client: TestClient, tenant: Tenant) -> None:
    bad_zone = client.post(
        "/api/v1/contacts",
        json={"emails": ["tz@x.io"], "time_zone": "Bad/Zone"},
        headers=tenant.admin,
    )
    assert bad_zone.status_code == 422
    assert "unknown time zone" in bad_zone.json()["detail"]
    bad_locale = client.post(
        "/api/v1/contacts",
        json={"emails": ["tz@x.io"], "locale": "zz-ZZ-bad!"},
        headers=tenant.admin,
    )
    assert bad_locale.status_code == 422
    good = client.post(
        "/api/v1/contacts",
        json={"emails": ["tz@x.io"], "time_zone": "Asia/Jakarta", "locale": "id-ID"},
        headers=tenant.admin,
    )
    assert good.status_code == 201
    assert good.json()["time_zone"] == "Asia/Jakarta"
