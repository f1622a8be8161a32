"""`GET /api/v1/metrics/success` on docs/metrics.md's March 2026 accounts, with tiers, plans,
health scores, renewals and usage added (the hand computation is in each test); grouping,
validation problems, permissions and workspace isolation.

| account | tier | plan | March | health (2026-03-30) | renews in | seats |
|---|---|---|---|---|---|---|
| A | ent | pro | 100.00 → 150.00 (expansion) | poor 30 | 20 days | 4 |
| B | ent | pro | 200.00 | good 80 | 45 days | 1 |
| C | smb | basic | 100.00 → canceled (churn) | — | — | 1 |
| D | smb | basic | new 80.00 | fair 50 | 80 days | 1 |
| E | smb | pro | 120.00 → 100.00 (contraction) | — | 5 days | 1 |
| F | — | pro | paid until Jan, back at 60.00 (reactivation) | — | — | 1 |
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.revenue import add_months
from cxhub.core.permissions import Role
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.schemas import AccountCreate
from cxhub.success.health import service as health
from cxhub.success.health.models import AccountHealthScore
from cxhub.success.subscriptions import service as subscriptions
from cxhub.success.subscriptions.schemas import SubscriptionCreate
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.success.usage.test_compaction import add_events

API = "/api/v1"


def today() -> date:
    """Read when used, not at import: a run that crosses midnight UTC compares with the code's
    own clock, so a date taken at collection would be a day behind."""
    return datetime.now(UTC).date()


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _account(
    client: TestClient, tenant: Tenant, tier: str | None, users: tuple[str, ...] = ()
) -> int:
    body: dict[str, Any] = {"name": unique("Acc ")}
    if tier:
        body["tier"] = tier
    account = int(_post(client, tenant, "/accounts", body)["id"])
    for user in users:
        _post(
            client,
            tenant,
            "/contacts",
            {"first_name": user, "external_ids": [user], "account_id": account},
        )
    return account


def _start(
    client: TestClient, tenant: Tenant, account: int, plan: str, on: str, cents: int, **extra: Any
) -> int:
    body = {
        "account_id": account,
        "plan": plan,
        "currency": "EUR",
        "mrr_cents": cents,
        "started_on": on,
    }
    return int(_post(client, tenant, "/subscriptions", body | extra)["id"])


def _renews(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def _score(tenant: Tenant, account: int, score: float, band: str) -> None:
    with tenant.session() as session:
        card = health.default_scorecard(session, workspace_id=tenant.workspace_id)
        session.add(
            AccountHealthScore(
                workspace_id=tenant.workspace_id,
                account_id=account,
                scorecard_id=card.id,
                day=date(2026, 3, 30),
                score=score,
                band=band,
                coverage=1.0,
                components={},
            )
        )


@pytest.fixture
def march(client: TestClient, tenant: Tenant) -> dict[str, int]:
    user = unique("a1-")
    a = _account(client, tenant, "ent", (user, unique("a2-")))
    sa = _start(client, tenant, a, "pro", "2026-01-10", 10_000, seats=4, renewal_on=_renews(20))
    patched = client.patch(
        f"{API}/subscriptions/{sa}",
        json={"mrr_cents": 15_000, "effective_on": "2026-03-15"},
        headers=tenant.admin,
    )
    assert patched.status_code == 200, patched.text
    b = _account(client, tenant, "ent")
    _start(client, tenant, b, "pro", "2026-01-05", 20_000, renewal_on=_renews(45))
    c = _account(client, tenant, "smb")
    sc = _start(client, tenant, c, "basic", "2026-02-01", 10_000)
    _post(client, tenant, f"/subscriptions/{sc}/cancel", {"ended_on": "2026-03-20"})
    d = _account(client, tenant, "smb")
    _start(client, tenant, d, "basic", "2026-03-03", 8_000, renewal_on=_renews(80))
    e = _account(client, tenant, "smb")
    se = _start(client, tenant, e, "pro", "2026-01-01", 12_000, renewal_on=_renews(5))
    patched = client.patch(
        f"{API}/subscriptions/{se}",
        json={"mrr_cents": 10_000, "effective_on": "2026-03-10"},
        headers=tenant.admin,
    )
    assert patched.status_code == 200, patched.text
    f = _account(client, tenant, None)
    _start(client, tenant, f, "pro", "2025-12-01", 5_000, ended_on="2026-01-01")
    _start(client, tenant, f, "pro", "2026-03-05", 6_000)
    _score(tenant, a, 30, "poor")
    _score(tenant, b, 80, "good")
    _score(tenant, d, 50, "fair")
    # A's user: 3 events in March's last 30 days, 1 in the 30 days before.
    calls = [
        {
            "type": "track",
            "userId": user,
            "event": "report.built",
            "messageId": unique("m"),
            "timestamp": when,
        }
        for when in (
            "2026-03-25T10:00:00Z",
            "2026-03-26T10:00:00Z",
            "2026-03-30T10:00:00Z",
            "2026-02-20T10:00:00Z",
        )
    ]
    add_events(tenant, calls)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def _success(client: TestClient, tenant: Tenant, **params: str) -> dict[str, Any]:
    response = client.get(
        f"{API}/metrics/success", params=params, headers=tenant.headers(Role.VIEWER)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


MARCH = {"from": "2026-03", "to": "2026-03"}


def test_the_workspace_total(client: TestClient, tenant: Tenant, march: dict[str, int]) -> None:
    body = _success(client, tenant, **MARCH)
    assert (body["currency"], body["from"], body["to"], body["group_by"]) == (
        "EUR",
        "2026-03",
        "2026-03",
        "none",
    )
    assert body["groups"] == []
    total = body["total"]
    revenue = total["revenue"]
    # docs/metrics.md: start 520.00, end 590.00; GRR 400/520, NRR 450/520, logo churn 1/4.
    assert (revenue["start_mrr_cents"], revenue["end_mrr_cents"]) == (52_000, 59_000)
    assert (revenue["expansion_cents"], revenue["churn_cents"]) == (5_000, 10_000)
    assert revenue["grr"] == pytest.approx(100 * 400 / 520)
    assert revenue["nrr"] == pytest.approx(100 * 450 / 520)
    assert revenue["logo_churn"] == pytest.approx(25.0)
    # Paying at the end of March: A, B, D, E, F. Scored: A poor, B good, D fair.
    assert total["accounts"] == 5
    health_part = total["health"]
    assert {b["band"]: b["accounts"] for b in health_part["bands"]} == {
        "poor": 1,
        "fair": 1,
        "good": 1,
    }
    assert (health_part["scored"], health_part["unscored"]) == (3, 2)
    assert health_part["average_score"] == pytest.approx((30 + 80 + 50) / 3)
    # Renewals from today: E in 5 days (unscored), A in 20 (poor: at risk, ARR 12 × 150.00),
    # B in 45 (good), D in 80 (fair).
    windows = {w["days"]: w for w in total["renewals"]}
    assert (windows[30]["subscriptions"], windows[30]["arr_cents"]) == (2, 12 * (10_000 + 15_000))
    assert (windows[30]["at_risk_subscriptions"], windows[30]["at_risk_arr_cents"]) == (1, 180_000)
    assert windows[30]["unknown_risk_subscriptions"] == 1
    assert windows[90]["subscriptions"] == 4
    assert windows[90]["at_risk_arr_cents"] == 180_000
    # Adoption at the end of March: one active user (A's) of 4 + 1 + 1 + 1 + 1 = 8 licensed
    # seats; 3 events in the last 30 days against 1 before.
    adoption = total["adoption"]
    assert (adoption["accounts"], adoption["active_accounts"], adoption["active_seats"]) == (
        5,
        1,
        1,
    )
    assert adoption["licensed_seats"] == 8
    assert adoption["seat_utilisation"] == pytest.approx(1 / 8)
    assert (adoption["events_last_30_days"], adoption["usage_trend"]) == (3, pytest.approx(3.0))


def test_grouped_by_segment_the_groups_add_up(
    client: TestClient, tenant: Tenant, march: dict[str, int]
) -> None:
    body = _success(client, tenant, group_by="tier", **MARCH)
    assert body["group_by"] == "segment"
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {"ent", "smb", None}
    ent, smb, none = groups["ent"]["revenue"], groups["smb"]["revenue"], groups[None]["revenue"]
    # ent: A + B = 300.00 → 350.00, no loss: GRR 100 %, NRR 350/300.
    assert (ent["start_mrr_cents"], ent["end_mrr_cents"]) == (30_000, 35_000)
    assert ent["grr"] == pytest.approx(100.0)
    assert ent["nrr"] == pytest.approx(100 * 350 / 300)
    # smb: C + E = 220.00 at the start; C churns 100.00, E contracts 20.00: GRR = NRR = 100/220.
    assert smb["start_mrr_cents"] == 22_000
    assert smb["grr"] == pytest.approx(100 * 100 / 220)
    assert smb["nrr"] == pytest.approx(100 * 100 / 220)
    assert smb["logo_churn"] == pytest.approx(50.0)
    assert none["grr"] is None  # F paid nothing at the start of March
    assert none["reactivation_cents"] == 6_000
    for field in (
        "start_mrr_cents",
        "end_mrr_cents",
        "new_cents",
        "expansion_cents",
        "churn_cents",
    ):
        assert sum(g["revenue"][field] for g in body["groups"]) == body["total"]["revenue"][field]
    assert groups["ent"]["renewals"][0]["at_risk_arr_cents"] == 180_000
    assert groups["smb"]["renewals"][0]["at_risk_arr_cents"] == 0
    assert groups["ent"]["adoption"]["active_seats"] == 1


def test_grouped_by_plan_and_owner(
    client: TestClient, tenant: Tenant, march: dict[str, int]
) -> None:
    plans = {g["key"]: g for g in _success(client, tenant, group_by="plan", **MARCH)["groups"]}
    assert set(plans) == {"pro", "basic"}
    assert plans["basic"]["revenue"]["churn_cents"] == 10_000  # C
    assert plans["basic"]["revenue"]["new_cents"] == 8_000  # D
    owners = _success(client, tenant, group_by="owner", **MARCH)["groups"]
    assert [(g["key"], g["label"]) for g in owners] == [(None, "none")]


def test_grouped_by_month_matches_the_revenue_metrics(
    client: TestClient, tenant: Tenant, march: dict[str, int]
) -> None:
    period = {"from": "2026-02", "to": "2026-03"}
    body = _success(client, tenant, group_by="month", **period)
    revenue = client.get(f"{API}/metrics/revenue", params=period, headers=tenant.admin).json()
    assert [g["key"] for g in body["groups"]] == ["2026-02", "2026-03"]
    for group, month in zip(body["groups"], revenue["months"], strict=True):
        assert group["revenue"]["grr"] == month["grr"]
        assert group["revenue"]["nrr"] == month["nrr"]
        assert group["revenue"]["churn_cents"] == month["churn_cents"]
        assert group["renewals"] is None
    february, march_group = body["groups"]
    assert february["health"]["scored"] == 0  # the scores are from 30 March
    assert march_group["health"]["scored"] == 3
    assert body["total"]["revenue"]["grr"] == pytest.approx(revenue["period"]["grr"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "colour"}, "group_by"),
        ({"from": "2026-04", "to": "2026-03"}, "from"),
        ({"from": "2026-13"}, None),
        ({"from": "March"}, None),
        ({"currency": "euro"}, None),
        ({"currency": "E1R"}, "currency"),
        ({"to": "9999-12"}, "to"),  # its month end would be in year 10000
        ({"from": "0001-01", "to": "1900-06"}, "from"),  # the month before is in year 0
        ({"from": "1899-12", "to": "1900-06"}, "from"),
        ({"to": "2201-01"}, "to"),
    ],
)
def test_bad_parameters_are_problems(
    client: TestClient, tenant: Tenant, params: dict[str, str], field: str | None
) -> None:
    response = client.get(f"{API}/metrics/success", params=params, headers=tenant.admin)
    body = assert_problem(response, 422, "validation-error")
    if field is not None:
        assert body.get("field") == field or field in response.text


def test_permissions_and_isolation(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, march: dict[str, int]
) -> None:
    assert client.get(f"{API}/metrics/success").status_code == 401
    theirs = client.get(f"{API}/metrics/success", params=MARCH, headers=other_tenant.admin)
    assert theirs.status_code == 200, theirs.text
    body = theirs.json()
    assert body["currency"] is None
    assert body["total"]["revenue"]["start_mrr_cents"] == 0
    assert body["total"]["accounts"] == 0
    assert body["total"]["health"]["scored"] == 0
    assert all(w["subscriptions"] == 0 for w in body["total"]["renewals"])


@pytest.mark.realdata
def test_telco_logo_churn_per_segment_and_plan_matches_the_csv(
    client: TestClient, tenant: Tenant, shared_data: Path
) -> None:
    """300 telco customers as accounts: tier = contract, plan = internet service, started
    `tenure` months before March 2026 paying `MonthlyCharges`, `Churn=Yes` ending in March.
    Grouped by segment and by plan, March's logo churn, GRR and start MRR of each group equal a
    plain count over the same CSV rows."""
    with (shared_data / "churn" / "telco-customer-churn.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sample = random.Random(23).sample(rows, 300)

    def cents(row: dict[str, str]) -> int:
        return round(float(row["MonthlyCharges"]) * 100)

    with tenant.session() as session:
        for index, row in enumerate(sample):
            account = accounts.create_account(
                session,
                workspace_id=tenant.workspace_id,
                data=AccountCreate(name=f"Telco {row['customerID']}", tier=row["Contract"]),
            )
            subscriptions.create_subscription(
                session,
                workspace_id=tenant.workspace_id,
                data=SubscriptionCreate(
                    account_id=account.id,
                    plan=row["InternetService"],
                    currency="USD",
                    mrr_cents=cents(row),
                    started_on=add_months(date(2026, 3, 1), -int(row["tenure"])),
                    ended_on=date(2026, 3, 1 + index % 28) if row["Churn"] == "Yes" else None,
                ),
            )
    for group_by, column in (("segment", "Contract"), ("plan", "InternetService")):
        body = _success(client, tenant, group_by=group_by, **MARCH)
        groups = {g["key"]: g["revenue"] for g in body["groups"]}
        assert set(groups) == {r[column] for r in sample}
        for key, revenue in groups.items():
            members = [r for r in sample if r[column] == key]
            at_start = [r for r in members if int(r["tenure"]) >= 1]
            churned = [r for r in at_start if r["Churn"] == "Yes"]
            start = sum(cents(r) for r in at_start)
            assert revenue["start_mrr_cents"] == start
            assert revenue["churned_accounts"] == len(churned)
            assert revenue["logo_churn"] == pytest.approx(100 * len(churned) / len(at_start))
            # no expansion or contraction in this data: GRR = 1 − churned MRR ÷ start MRR
            lost = sum(cents(r) for r in churned)
            assert revenue["grr"] == pytest.approx(100 * (start - lost) / start)
        assert body["total"]["revenue"]["churned_accounts"] == sum(
            g["revenue"]["churned_accounts"] for g in body["groups"]
        )
