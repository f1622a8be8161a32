"""Expansion through the API: the plan catalogue, the ranked workspace list and one account's
opportunities built from real subscriptions, contacts and usage events; validation problems,
permissions and workspace isolation.

The scenario (as of 2026-06-01, docs/expansion.md): account "Busy" is on starter (4 seats,
40.00 EUR MRR) and its 4 users were all active (100 % > 90 %): ceil(4 ÷ 0.8) = 5 → 1 seat at
10.00 → ARR 120.00. Its users exported 90 reports of starter's 100 (90 % ≥ 80 %): pro for 4
seats costs 50.00 + 4 × 25.00 = 150.00 → (150 − 40) × 12 = 1,320.00. Five similar accounts
(tier smb, starter, 1–9 seats), two of them with the sso add-on (40 % ≥ 30 %) → sso at 20.00
→ 240.00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.success.usage.test_compaction import add_events

API = "/api/v1"
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
CATALOGUE: dict[str, Any] = {
    "currency": "EUR",
    "plans": [
        {
            "name": "starter",
            "seat_price_cents": 1_000,
            "limits": [{"feature": "report.exported", "limit": 100}],
        },
        {
            "name": "pro",
            "base_mrr_cents": 5_000,
            "seat_price_cents": 2_500,
            "limits": [{"feature": "report.exported", "limit": 1_000}],
        },
    ],
    "add_ons": [{"name": "sso", "mrr_cents": 2_000}],
}


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _customer(
    client: TestClient, tenant: Tenant, name: str, users: list[str], add_ons: tuple[str, ...] = ()
) -> int:
    account = int(_post(client, tenant, "/accounts", {"name": unique(name), "tier": "smb"})["id"])
    for user in users:
        _post(
            client,
            tenant,
            "/contacts",
            {"first_name": user, "external_ids": [user], "account_id": account},
        )
    subscription = {"account_id": account, "currency": "EUR", "started_on": "2026-01-01"}
    _post(
        client,
        tenant,
        "/subscriptions",
        subscription | {"plan": "starter", "mrr_cents": 4_000, "seats": 4},
    )
    for add_on in add_ons:
        _post(client, tenant, "/subscriptions", subscription | {"plan": add_on, "mrr_cents": 2_000})
    return account


def _track(user: str, event: str, hours_before: float) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": event,
        "messageId": unique("m"),
        "timestamp": (AS_OF - timedelta(hours=hours_before)).isoformat(),
    }


@pytest.fixture
def scenario(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    users = [unique("busy") for _ in range(4)]
    busy = _customer(client, tenant, "Busy ", users)
    peers = [
        _customer(client, tenant, f"Peer{n} ", [], ("sso",) if n < 2 else ()) for n in range(5)
    ]
    calls = [_track(users[0], "report.exported", 2 + n) for n in range(90)]
    calls += [_track(user, "dashboard.viewed", 30) for user in users[1:]]
    add_events(tenant, calls)
    response = client.put(f"{API}/expansion/catalogue", json=CATALOGUE, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return {"busy": busy, "peer_without_sso": peers[2], "busy_user": users[0]}


def test_an_accounts_opportunities_with_reasons_and_upside(
    client: TestClient, tenant: Tenant, scenario: dict[str, int]
) -> None:
    busy = scenario["busy"]
    response = client.get(
        f"{API}/accounts/{busy}/expansion",
        params={"as_of": AS_OF.isoformat()},
        headers=tenant.headers(Role.VIEWER),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    found = [(o["action"], o["target"], o["arr_upside_cents"]) for o in body["opportunities"]]
    assert found == [
        ("upgrade_plan", "pro", 132_000),
        ("add_on", "sso", 24_000),
        ("add_seats", None, 12_000),
    ]
    assert body["arr_upside_cents"] == 168_000
    assert body["currency"] == "EUR"
    upgrade, add_on, seats = body["opportunities"]
    assert upgrade["reasons"][0]["code"] == "feature_near_plan_limit"
    assert upgrade["reasons"][0]["evidence"]["used"] == 90
    assert add_on["kind"] == "cross_sell"
    assert add_on["reasons"][0]["evidence"]["similar_accounts"] == 5
    assert add_on["reasons"][0]["evidence"]["adopters"] == 2
    evidence = seats["reasons"][0]["evidence"]
    assert (evidence["active_seats"], evidence["licensed_seats"]) == (4, 4)
    assert evidence["additional_seats"] == 1


def test_the_workspace_list_is_ranked_and_filterable(
    client: TestClient, tenant: Tenant, scenario: dict[str, int]
) -> None:
    params = {"as_of": AS_OF.isoformat()}
    response = client.get(f"{API}/expansion", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accounts_considered"] == 6
    upsides = [o["arr_upside_cents"] for o in body["opportunities"]]
    assert upsides == sorted(upsides, reverse=True)
    assert body["opportunities"][0]["account_id"] == scenario["busy"]
    # sso: Busy and the three peers without it (each sees 2 of its 5 others using it)
    sso = [o for o in body["opportunities"] if o["target"] == "sso"]
    assert len(sso) == 4
    assert scenario["peer_without_sso"] in {o["account_id"] for o in sso}
    assert body["arr_upside_cents"] == sum(upsides)
    only_seats = client.get(
        f"{API}/expansion",
        params=params | {"action": "add_seats", "limit": 1},
        headers=tenant.admin,
    ).json()
    assert [o["action"] for o in only_seats["opportunities"]] == ["add_seats"]
    assert only_seats["total"] == 1


def test_the_catalogue_round_trips_and_is_validated(client: TestClient, tenant: Tenant) -> None:
    empty = client.get(f"{API}/expansion/catalogue", headers=tenant.admin)
    assert empty.status_code == 200
    assert empty.json()["stored"] is False
    assert empty.json()["definition"]["rules"]["seat_threshold"] == 0.9
    saved = client.put(f"{API}/expansion/catalogue", json=CATALOGUE, headers=tenant.admin)
    assert saved.status_code == 200, saved.text
    again = client.get(f"{API}/expansion/catalogue", headers=tenant.headers(Role.ANALYST)).json()
    assert again["stored"] is True
    assert [p["name"] for p in again["definition"]["plans"]] == ["starter", "pro"]
    duplicate = CATALOGUE | {"add_ons": [{"name": "pro"}]}
    bad = client.put(f"{API}/expansion/catalogue", json=duplicate, headers=tenant.admin)
    assert_problem(bad, 422, "validation-error")
    bands = CATALOGUE | {"rules": {"size_bands": [50, 10]}}
    assert_problem(
        client.put(f"{API}/expansion/catalogue", json=bands, headers=tenant.admin),
        422,
        "validation-error",
    )


def test_bad_parameters_are_problems(client: TestClient, tenant: Tenant) -> None:
    naive = client.get(
        f"{API}/expansion", params={"as_of": "2026-06-01T00:00:00"}, headers=tenant.admin
    )
    assert_problem(naive, 422, "validation-error")
    for moment in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):  # windows leave the calendar
        for path in (f"{API}/expansion", f"{API}/accounts/1/expansion", f"{API}/accounts/1/usage"):
            outside = client.get(path, params={"as_of": moment}, headers=tenant.admin)
            assert assert_problem(outside, 422, "validation-error")["field"] == "as_of"
    action = client.get(f"{API}/expansion", params={"action": "discount"}, headers=tenant.admin)
    assert_problem(action, 422, "validation-error")
    limit = client.get(f"{API}/expansion", params={"limit": 0}, headers=tenant.admin)
    assert_problem(limit, 422, "validation-error")
    missing = client.get(f"{API}/accounts/999999999/expansion", headers=tenant.admin)
    assert_problem(missing, 404, "not-found")


def test_several_currencies_without_a_catalogue_ask_for_one(
    client: TestClient, tenant: Tenant
) -> None:
    for currency in ("EUR", "USD"):
        account = int(_post(client, tenant, "/accounts", {"name": unique("C ")})["id"])
        _post(
            client,
            tenant,
            "/subscriptions",
            {
                "account_id": account,
                "plan": "pro",
                "currency": currency,
                "mrr_cents": 100,
                "started_on": "2026-01-01",
            },
        )
    body = assert_problem(
        client.get(f"{API}/expansion", headers=tenant.admin), 422, "validation-error"
    )
    assert "catalogue" in body["detail"]


def test_permissions_and_isolation(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, scenario: dict[str, int]
) -> None:
    denied = client.put(
        f"{API}/expansion/catalogue", json=CATALOGUE, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(denied, 403, "forbidden")
    assert client.get(f"{API}/expansion").status_code == 401
    foreign = client.get(f"{API}/accounts/{scenario['busy']}/expansion", headers=other_tenant.admin)
    assert_problem(foreign, 404, "not-found")
    theirs = client.get(f"{API}/expansion", headers=other_tenant.admin).json()
    assert theirs["accounts_considered"] == 0
    assert theirs["opportunities"] == []
    catalogue = client.get(f"{API}/expansion/catalogue", headers=other_tenant.admin).json()
    assert catalogue["stored"] is False
