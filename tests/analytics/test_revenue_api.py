"""Revenue metrics through the API: the worked example of docs/metrics.md built from
subscriptions started, changed and canceled on chosen dates; currencies; cohorts; renewals;
workspace isolation; and the telco churn data set."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.revenue import add_months
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.schemas import AccountCreate
from cxhub.success.subscriptions import service as subscriptions
from cxhub.success.subscriptions.schemas import SubscriptionCreate
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

API = "/api/v1"


def _account(client: TestClient, tenant: Tenant, name: str) -> int:
    response = client.post(f"{API}/accounts", json={"name": unique(name)}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _start(
    client: TestClient,
    tenant: Tenant,
    account: int,
    started_on: str,
    mrr_cents: int,
    currency: str = "EUR",
    **extra: Any,
) -> int:
    body = {
        "account_id": account,
        "plan": "pro",
        "currency": currency,
        "mrr_cents": mrr_cents,
        "started_on": started_on,
    } | extra
    response = client.post(f"{API}/subscriptions", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _change(client: TestClient, tenant: Tenant, sid: int, mrr_cents: int, on: str) -> None:
    response = client.patch(
        f"{API}/subscriptions/{sid}",
        json={"mrr_cents": mrr_cents, "effective_on": on},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text


def _cancel(client: TestClient, tenant: Tenant, sid: int, on: str) -> None:
    response = client.post(
        f"{API}/subscriptions/{sid}/cancel", json={"ended_on": on}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text


def _metrics(client: TestClient, tenant: Tenant, **params: str) -> dict[str, Any]:
    response = client.get(f"{API}/metrics/revenue", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def march(client: TestClient, tenant: Tenant) -> Tenant:
    """docs/metrics.md's March 2026 table, as subscriptions."""
    a = _start(client, tenant, _account(client, tenant, "A "), "2026-01-10", 10_000)
    _change(client, tenant, a, 15_000, "2026-03-15")
    _start(client, tenant, _account(client, tenant, "B "), "2026-01-05", 20_000)
    c = _start(client, tenant, _account(client, tenant, "C "), "2026-02-01", 10_000)
    _cancel(client, tenant, c, "2026-03-20")
    _start(client, tenant, _account(client, tenant, "D "), "2026-03-03", 8_000)
    e = _start(client, tenant, _account(client, tenant, "E "), "2026-01-01", 12_000)
    _change(client, tenant, e, 10_000, "2026-03-10")
    f = _account(client, tenant, "F ")
    _start(client, tenant, f, "2025-12-01", 5_000, ended_on="2026-01-01")
    _start(client, tenant, f, "2026-03-05", 6_000)
    return tenant


def test_worked_example_through_the_api(client: TestClient, march: Tenant) -> None:
    body = _metrics(client, march, **{"from": "2026-03", "to": "2026-03"})
    assert (body["workspace_id"], body["currency"]) == (march.workspace_id, "EUR")
    (month,) = body["months"]
    assert month["month"] == "2026-03"
    assert (month["start_mrr_cents"], month["end_mrr_cents"]) == (52_000, 59_000)
    assert {
        k: month[f"{k}_cents"] for k in ("new", "reactivation", "expansion", "contraction", "churn")
    } == {
        "new": 8_000,
        "reactivation": 6_000,
        "expansion": 5_000,
        "contraction": 2_000,
        "churn": 10_000,
    }
    assert month["grr"] == pytest.approx(100 * 400 / 520)
    assert month["nrr"] == pytest.approx(100 * 450 / 520)
    assert month["logo_churn"] == pytest.approx(25.0)
    assert (month["accounts_at_start"], month["churned_accounts"]) == (4, 1)
    period = body["period"]
    assert period["grr"] == pytest.approx(month["grr"])
    assert period["nrr"] == pytest.approx(month["nrr"])


def test_months_chain_and_quarter_retention(client: TestClient, march: Tenant) -> None:
    body = _metrics(client, march, **{"from": "2025-12", "to": "2026-03"})
    months = body["months"]
    assert [m["month"] for m in months] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert [m["new_cents"] for m in months] == [5_000, 42_000, 10_000, 8_000]
    assert months[1]["churn_cents"] == 5_000
    assert months[0]["grr"] is None
    for m in months:
        assert m["end_mrr_cents"] == (
            m["start_mrr_cents"]
            + m["new_cents"]
            + m["reactivation_cents"]
            + m["expansion_cents"]
            - m["contraction_cents"]
            - m["churn_cents"]
        )
    # From the start of February: A, B, E paid 42 000; at the end of March 15 000 + 20 000 +
    # 10 000 = 45 000 (NRR) and capped 10 000 + 20 000 + 10 000 = 40 000 (GRR).
    q = _metrics(client, march, **{"from": "2026-02", "to": "2026-03"})["period"]
    assert (q["start_mrr_cents"], q["cohort_end_mrr_cents"], q["end_mrr_cents"]) == (
        42_000,
        45_000,
        59_000,
    )
    assert q["nrr"] == pytest.approx(100 * 45 / 42)
    assert q["grr"] == pytest.approx(100 * 40 / 42)
    assert q["logo_churn"] == pytest.approx(0.0)


def test_cohorts_through_the_api(client: TestClient, march: Tenant) -> None:
    response = client.get(
        f"{API}/metrics/revenue/cohorts",
        params={"from": "2025-12", "to": "2026-03"},
        headers=march.admin,
    )
    assert response.status_code == 200, response.text
    cohorts = {c["start_month"]: c for c in response.json()["cohorts"]}
    assert sorted(cohorts) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    january = cohorts["2026-01"]  # A, B, E: 42 000
    assert (january["accounts"], january["start_mrr_cents"]) == (3, 42_000)
    assert january["cells"][-1]["months_since_start"] == 2
    assert january["cells"][-1]["revenue_retention"] == pytest.approx(100 * 45 / 42)
    december = cohorts["2025-12"]  # F: churned in January, back in March
    assert [c["logo_retention"] for c in december["cells"]] == [100.0, 0.0, 0.0, 100.0]
    assert cohorts["2026-02"]["cells"][1]["logo_retention"] == 0.0  # C churned


def test_currencies_are_never_added(client: TestClient, tenant: Tenant) -> None:
    account = _account(client, tenant, "Multi ")
    _start(client, tenant, account, "2026-01-01", 10_000, "EUR")
    _start(client, tenant, account, "2026-01-01", 30_000, "USD")
    period = {"from": "2026-01", "to": "2026-01"}
    response = client.get(f"{API}/metrics/revenue", params=period, headers=tenant.admin)
    problem = assert_problem(response, 422, "validation-error")
    assert problem["currencies"] == ["EUR", "USD"]
    cohorts = client.get(f"{API}/metrics/revenue/cohorts", params=period, headers=tenant.admin)
    assert_problem(cohorts, 422, "validation-error")
    eur = _metrics(client, tenant, currency="eur", **period)
    usd = _metrics(client, tenant, currency="USD", **period)
    assert eur["months"][0]["end_mrr_cents"] == 10_000
    assert eur["currency"] == "EUR"
    assert usd["months"][0]["end_mrr_cents"] == 30_000
    none = _metrics(client, tenant, currency="JPY", **period)
    assert none["months"][0]["end_mrr_cents"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13"},
        {"from": "2026-3"},
        {"to": "March"},
        {"from": "2026-04", "to": "2026-03"},
        {"from": "2010-01", "to": "2026-03"},
        {"currency": "EURO"},
        {"currency": "E1R"},
    ],
)
def test_bad_periods_and_currencies_are_422(
    client: TestClient, tenant: Tenant, params: dict[str, str]
) -> None:
    response = client.get(f"{API}/metrics/revenue", params=params, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")


def test_renewals_pipeline(client: TestClient, tenant: Tenant) -> None:
    account = _account(client, tenant, "Renewing ")
    for days, currency in ((-1, "EUR"), (0, "EUR"), (45, "EUR"), (70, "USD"), (90, "EUR")):
        renewal = date.fromordinal(date(2026, 3, 1).toordinal() + days).isoformat()
        _start(client, tenant, account, "2025-01-01", 1_000, currency, renewal_on=renewal)
    ended = _start(client, tenant, account, "2025-01-01", 9_000, renewal_on="2026-03-10")
    _cancel(client, tenant, ended, "2026-02-01")
    response = client.get(
        f"{API}/metrics/renewals", params={"today": "2026-03-01"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(w["days"], w["subscriptions"]) for w in body["windows"]] == [
        (30, {"EUR": 1}),
        (60, {"EUR": 2}),
        (90, {"EUR": 2, "USD": 1}),
    ]
    assert body["windows"][2]["arr_cents"] == {"EUR": 24_000, "USD": 12_000}
    assert [r["days_until"] for r in body["renewals"]] == [0, 45, 70]
    assert all(r["at_risk"] is None for r in body["renewals"])
    usd = client.get(
        f"{API}/metrics/renewals",
        params={"today": "2026-03-01", "currency": "USD"},
        headers=tenant.admin,
    )
    assert [r["currency"] for r in usd.json()["renewals"]] == ["USD"]


def test_metrics_never_count_another_workspace(
    client: TestClient, march: Tenant, other_tenant: Tenant
) -> None:
    _start(client, other_tenant, _account(client, other_tenant, "Foreign "), "2026-03-01", 7)
    body = _metrics(client, other_tenant, **{"from": "2026-03", "to": "2026-03"})
    assert body["months"][0]["end_mrr_cents"] == 7
    assert body["workspace_id"] == other_tenant.workspace_id
    empty = client.get(f"{API}/metrics/revenue/cohorts", headers=other_tenant.admin).json()
    assert all(c["start_mrr_cents"] == 7 for c in empty["cohorts"])
    ours = _metrics(client, march, **{"from": "2026-03", "to": "2026-03"})
    assert ours["months"][0]["end_mrr_cents"] == 59_000


def test_an_empty_workspace_has_no_currency_and_undefined_ratios(
    client: TestClient, tenant: Tenant
) -> None:
    body = _metrics(client, tenant, **{"from": "2026-01", "to": "2026-02"})
    assert body["currency"] is None
    assert [m["grr"] for m in body["months"]] == [None, None]
    assert body["period"]["logo_churn"] is None


# --- real data --------------------------------------------------------------------------------

REFERENCE = date(2026, 3, 1)


@pytest.mark.realdata
def test_churn_of_telco_customers_matches_the_csv(
    client: TestClient, tenant: Tenant, shared_data: Path
) -> None:
    """~300 telco customers: each started `tenure` months before March 2026 paying
    `MonthlyCharges`; `Churn=Yes` ones end in March. The API's churned MRR and logo churn for
    March equal a plain count over the same CSV rows."""
    path = shared_data / "churn" / "telco-customer-churn.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 7000
    sample = random.Random(11).sample(rows, 300)

    def cents(row: dict[str, str]) -> int:
        return round(float(row["MonthlyCharges"]) * 100)

    # Independent computation: customers paying at the start of March are those with tenure ≥ 1
    # (tenure 0 starts in March itself); churned = those among them with Churn=Yes.
    at_start = [r for r in sample if int(r["tenure"]) >= 1]
    churned = [r for r in at_start if r["Churn"] == "Yes"]
    assert churned, "the sample should contain churners"
    expected_churn_cents = sum(cents(r) for r in churned)
    expected_logo_churn = 100 * len(churned) / len(at_start)

    with tenant.session() as session:
        for index, row in enumerate(sample):
            account = accounts.create_account(
                session,
                workspace_id=tenant.workspace_id,
                data=AccountCreate(
                    name=f"Telco {row['customerID']}", external_id=row["customerID"]
                ),
            )
            subscriptions.create_subscription(
                session,
                workspace_id=tenant.workspace_id,
                data=SubscriptionCreate(
                    account_id=account.id,
                    plan=row["Contract"],
                    currency="USD",
                    mrr_cents=cents(row),
                    started_on=add_months(REFERENCE, -int(row["tenure"])),
                    ended_on=date(2026, 3, 1 + index % 28) if row["Churn"] == "Yes" else None,
                    external_id=row["customerID"],
                ),
            )
    body = _metrics(client, tenant, **{"from": "2026-03", "to": "2026-03"})
    (month,) = body["months"]
    assert body["currency"] == "USD"
    assert month["churn_cents"] == expected_churn_cents
    assert month["churned_accounts"] == len(churned)
    assert month["accounts_at_start"] == len(at_start)
    assert month["logo_churn"] == pytest.approx(expected_logo_churn)
    assert month["start_mrr_cents"] == sum(cents(r) for r in at_start)


def test_months_with_non_ascii_digits_are_a_422(client: TestClient, tenant: Tenant) -> None:
    """`str.isdigit` accepts '²' and '٣', which `int()` then refuses: the 500 the fuzz found."""
    for month in ("202²-01", "2026-0²", "٢٠٢٦-٠١"):
        response = client.get(
            f"{API}/metrics/revenue", params={"from": month}, headers=tenant.admin
        )
        assert_problem(response, 422, "validation-error")
