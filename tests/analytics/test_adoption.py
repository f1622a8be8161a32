"""Adoption metrics on a tiny hand-computed event set, read from Parquet and the inbox at once.

Account Acme (10 licensed seats) has product users a1, a2, a3; b1 belongs to another account.
`as_of` = 2026-06-01 00:00 UTC. Activity in the last 30 days:

| user | call | when (before as_of) | 24 h bucket |
|---|---|---|---|
| a1 | track Report Built | 2 h | 0 |
| a1 | track Export | 3 d | 3 |
| a1 | page Pricing | 10 d | 10 |
| a2 | track Report Built | 4 d 22 h | 4 |
| a2 | track Report Built | 4 d 23 h | 4 |
| b1 | track Invite Sent | 1 d 1 h | 1 |
| b1 | track Dashboard Viewed | 20 d | 20 |

and a3 tracked Report Built 40 days before (the earlier window); a1 also sent an identify 1 h
before (not activity). Hence, for Acme: DAU 1 (a1), WAU 2, MAU 2; user-days 3 + 1 = 4, so the
average DAU is 4/30 and stickiness (4/30)/2 = 1/15; active seats 2 of 10 = 0.2; features used 2
(Report Built, Export) of the 4 track events seen in the workspace = 0.5; depth Report Built 3
events / 2 users = 1.5, Export 1/1; events 5 in the last 30 days vs 1 before: trend 5.0.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics import adoption
from cxhub.core.runtime import Runtime
from cxhub.success.usage.compaction import compact
from tests.factories import Tenant, unique
from tests.success.usage.test_compaction import add_events

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def _at(**before: float) -> str:
    return (AS_OF - timedelta(**before)).isoformat()


def _call(kind: str, user: str, name: str | None, when: str) -> dict[str, Any]:
    call: dict[str, Any] = {"type": kind, "userId": user, "timestamp": when}
    call["messageId"] = unique("m")
    if kind == "track":
        call["event"] = name
    elif kind == "page":
        call["name"] = name
    return call


def _make_account(client: TestClient, tenant: Tenant, users: list[str], seats: int | None) -> int:
    attributes = {"seats": seats} if seats is not None else {}
    account = client.post(
        "/api/v1/accounts",
        json={"name": unique("Acme "), "custom_attributes": attributes},
        headers=tenant.admin,
    ).json()["id"]
    for user in users:
        response = client.post(
            "/api/v1/contacts",
            json={"first_name": user, "external_ids": [user], "account_id": account},
            headers=tenant.admin,
        )
        assert response.status_code == 201, response.text
    return int(account)


@pytest.fixture
def scenario(client: TestClient, tenant: Tenant, runtime: Runtime) -> dict[str, int]:
    acme = _make_account(client, tenant, ["a1", "a2", "a3"], seats=10)
    other = _make_account(client, tenant, ["b1"], seats=None)
    compacted = [
        _call("track", "a3", "Report Built", _at(days=40)),
        _call("track", "b1", "Dashboard Viewed", _at(days=20)),
        _call("page", "a1", "Pricing", _at(days=10)),
        _call("track", "a2", "Report Built", _at(days=4, hours=23)),
    ]
    add_events(tenant, compacted, arrived=LONG_AGO)
    with tenant.session() as session:
        result = compact(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=runtime.settings.data_dir,
            older_than=LONG_AGO + timedelta(minutes=1),
        )
    assert result.events == 4
    recent = [
        _call("track", "a2", "Report Built", _at(days=4, hours=22)),
        _call("track", "a1", "Export", _at(days=3)),
        _call("track", "b1", "Invite Sent", _at(days=1, hours=1)),
        _call("track", "a1", "Report Built", _at(hours=2)),
        _call("identify", "a1", None, _at(hours=1)),
        compacted[3],  # a re-send after compaction: counted once
    ]
    add_events(tenant, recent, arrived=AS_OF)
    return {"acme": acme, "other": other}


def test_account_adoption_by_hand(
    client: TestClient, tenant: Tenant, scenario: dict[str, int]
) -> None:
    response = client.get(
        f"/api/v1/accounts/{scenario['acme']}/usage",
        params={"as_of": AS_OF.isoformat()},
        headers=tenant.headers(),
    )
    assert response.status_code == 200, response.text
    usage = response.json()
    assert (usage["dau"], usage["wau"], usage["mau"]) == (1, 2, 2)
    assert usage["average_dau"] == pytest.approx(4 / 30)
    assert usage["stickiness"] == pytest.approx(1 / 15)
    assert (usage["active_seats"], usage["licensed_seats"]) == (2, 10)
    assert usage["seat_utilisation"] == pytest.approx(0.2)
    assert (usage["features_used"], usage["features_available"]) == (2, 4)
    assert usage["feature_breadth"] == pytest.approx(0.5)
    assert usage["feature_depth"] == [
        {"event": "Report Built", "events": 3, "users": 2, "events_per_user": 1.5},
        {"event": "Export", "events": 1, "users": 1, "events_per_user": 1.0},
    ]
    assert (usage["events_last_30_days"], usage["events_previous_30_days"]) == (5, 1)
    assert usage["usage_trend"] == pytest.approx(5.0)


def test_trend_is_none_without_an_earlier_window_and_seats_unknown(
    client: TestClient, tenant: Tenant, scenario: dict[str, int]
) -> None:
    usage = client.get(
        f"/api/v1/accounts/{scenario['other']}/usage",
        params={"as_of": AS_OF.isoformat()},
        headers=tenant.headers(),
    ).json()
    assert (usage["mau"], usage["events_last_30_days"]) == (1, 2)
    assert usage["usage_trend"] is None
    assert usage["licensed_seats"] is None
    assert usage["seat_utilisation"] is None
    assert usage["feature_breadth"] == pytest.approx(0.5)


def test_an_account_without_users_has_zeroes(client: TestClient, tenant: Tenant) -> None:
    empty = _make_account(client, tenant, [], seats=3)
    usage = client.get(f"/api/v1/accounts/{empty}/usage", headers=tenant.headers()).json()
    assert (usage["mau"], usage["stickiness"], usage["seat_utilisation"]) == (0, None, 0.0)


def test_workspace_usage_by_hand(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, scenario: dict[str, int]
) -> None:
    add_events(other_tenant, [_call("track", "a1", "Leak", _at(days=2))], arrived=AS_OF)
    params = {"from": _at(days=30), "to": AS_OF.isoformat()}
    response = client.get("/api/v1/metrics/usage", params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    usage = response.json()
    assert (usage["events"], usage["active_users"]) == (7, 3)
    assert [f["event"] for f in usage["features"]] == [
        "Report Built",
        "Dashboard Viewed",
        "Export",
        "Invite Sent",
    ]
    assert usage["features"][0] == {
        "event": "Report Built",
        "events": 3,
        "users": 2,
        "events_per_user": 1.5,
    }
    assert sum(d["events"] for d in usage["daily"]) == 7
    assert usage["daily"][0] == {"day": "2026-05-12", "active_users": 1, "events": 1}


def test_usage_routes_check_permissions_and_periods(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = client.get(
        "/api/v1/metrics/usage",
        params={"from": "2026-06-01T00:00:00", "to": "2026-06-02T00:00:00"},
        headers=tenant.admin,
    )
    assert response.status_code == 422
    foreign = _make_account(client, other_tenant, [], seats=None)
    assert client.get(f"/api/v1/accounts/{foreign}/usage", headers=tenant.admin).status_code == 404
    assert client.get("/api/v1/metrics/usage").status_code == 401


def test_licensed_seats_come_from_custom_attributes() -> None:
    assert adoption.licensed_seats_of({"seats": 12}) == 12
    assert adoption.licensed_seats_of({"seats": "12"}) is None
    assert adoption.licensed_seats_of({"seats": True}) is None
    assert adoption.licensed_seats_of(None) is None


def test_every_account_at_once_matches_one_at_a_time(
    tenant: Tenant, runtime: Runtime, scenario: dict[str, int]
) -> None:
    """The set-wise path of the daily rescore (one aggregation for all accounts) gives the
    hand-computed figures above, and so does it after the inbox is compacted too (the re-sent
    event is then skipped by compaction, still counted once)."""
    from cxhub.analytics.health_inputs import account_inputs

    data_dir = runtime.settings.data_dir
    for _ in range(2):
        with tenant.session() as session:
            inputs = account_inputs(
                session, workspace_id=tenant.workspace_id, as_of=AS_OF, data_dir=data_dir
            )
        acme, other = inputs[scenario["acme"]], inputs[scenario["other"]]
        assert acme["usage_trend"] == pytest.approx(5.0)
        assert acme["feature_breadth"] == pytest.approx(0.5)
        assert acme["seat_utilisation"] == pytest.approx(0.2)
        assert other["usage_trend"] is None
        assert other["feature_breadth"] == pytest.approx(0.5)
        assert other["seat_utilisation"] is None
        with tenant.session() as session:
            compact(
                session,
                workspace_id=tenant.workspace_id,
                data_dir=data_dir,
                older_than=AS_OF + timedelta(days=1),
            )
    with tenant.session() as session:
        connection = adoption.open_events(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            start=AS_OF - timedelta(days=60),
            end=AS_OF,
        )
    with connection:
        rows = connection.execute("SELECT count(*), count(DISTINCT message_id) FROM events")
        total, distinct = rows.fetchall()[0]
    assert total == distinct == 9  # 4 compacted + 5 recent; the re-send is not a second row
