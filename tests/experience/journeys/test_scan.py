"""The journey scan: Segment page and track calls (stored, never published) and renewal windows
move customers; re-scanning the same window writes nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from cxhub.core.runtime import Runtime
from cxhub.experience.journeys.scan import scan_renewals, scan_usage
from tests.experience.journeys.test_api import journey, stages_of
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant, unique
from tests.success.usage.conftest import basic, issue_write_key


def test_page_views_and_product_events_move_product_users(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    journey(client, tenant)
    key = issue_write_key(client, tenant)
    now = datetime.now(UTC).replace(microsecond=0)
    user = unique("user-")
    person = contact(client, tenant, external_ids=[user])
    stranger = unique("anon-")

    def call(kind: str, name: str, minutes_ago: int, user_id: str = user) -> dict[str, object]:
        body: dict[str, object] = {
            "type": kind,
            "messageId": unique("m"),
            "userId": user_id,
            "timestamp": (now - timedelta(minutes=minutes_ago)).isoformat(),
        }
        body["name" if kind == "page" else "event"] = name
        return body

    batch = [
        call("page", "Home", 50),
        call("page", "Pricing", 40),
        call("track", "Report Built", 30),
        call("page", "Pricing", 20, stranger),  # no contact holds this userId
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(key))
    assert response.status_code == 200, response.text
    data_dir = runtime.settings.data_dir
    with tenant.session() as session:
        written = scan_usage(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            now=now,
            lookback=timedelta(hours=2),
        )
    assert written == 2  # awareness (Home), then consideration (Pricing)
    history = stages_of(client, tenant, person["id"])["history"]
    assert [(h["stage_key"], h["cause"]) for h in history] == [
        ("awareness", "page:Home"),
        ("consideration", "page:Pricing"),
    ]
    onboarding = call("track", "Onboarding Started", 5)
    client.post("/v1/batch", json={"batch": [onboarding]}, headers=basic(key))
    with tenant.session() as session:
        again = scan_usage(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            now=now,
            lookback=timedelta(hours=2),
        )
    assert again == 1  # only the new event moved anyone
    assert stages_of(client, tenant, person["id"])["current"]["stage_key"] == "onboarding"


def test_renewal_windows_move_the_accounts_people(client: TestClient, tenant: Tenant) -> None:
    journey(client, tenant)
    today = date(2026, 6, 1)
    accounts = []
    for renewal in ("2026-08-01", "2026-12-01"):  # 61 and 183 days away
        account = client.post(
            "/api/v1/accounts", json={"name": unique("Acme ")}, headers=tenant.admin
        ).json()
        contact(client, tenant, account_id=account["id"])
        response = client.post(
            "/api/v1/subscriptions",
            json={
                "account_id": account["id"],
                "plan": "pro",
                "currency": "EUR",
                "mrr_cents": 5_000,
                "started_on": "2025-08-01",
                "renewal_on": renewal,
            },
            headers=tenant.admin,
        )
        assert response.status_code == 201, response.text
        accounts.append(account)
    now = datetime(2026, 6, 1, 6, tzinfo=UTC)
    with tenant.session() as session:
        written = scan_renewals(session, workspace_id=tenant.workspace_id, today=today, now=now)
    assert written == 1
    soon = client.get(f"/api/v1/accounts/{accounts[0]['id']}/timeline", headers=tenant.admin)
    assert "renewal" in [i["journey_stage"] for i in soon.json()["items"]]
    later = client.get(f"/api/v1/accounts/{accounts[1]['id']}/timeline", headers=tenant.admin)
    assert "renewal" not in [i["journey_stage"] for i in later.json()["items"]]
