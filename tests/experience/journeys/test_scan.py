"""The journey scan: Segment page and track calls (stored, never published) and renewal windows
move customers; re-scanning the same window writes nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.journeys import paths, scan
from cxhub.experience.journeys.models import JourneyPathPrefix
from cxhub.experience.journeys.scan import scan_renewals, scan_usage, scan_window
from cxhub.experience.journeys.tasks import SCAN
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
    window: dict[str, Any] = {
        "workspace_id": tenant.workspace_id,
        "data_dir": runtime.settings.data_dir,
        "now": now,
        "lookback": timedelta(hours=2),
    }
    with tenant.session() as session, scan_window(session, **window) as events:
        written = scan_usage(session, workspace_id=tenant.workspace_id, events=events)
    assert written == 2  # awareness (Home), then consideration (Pricing)
    history = stages_of(client, tenant, person["id"])["history"]
    assert [(h["stage_key"], h["cause"]) for h in history] == [
        ("awareness", "page:Home"),
        ("consideration", "page:Pricing"),
    ]
    onboarding = call("track", "Onboarding Started", 5)
    client.post("/v1/batch", json={"batch": [onboarding]}, headers=basic(key))
    with tenant.session() as session, scan_window(session, **window) as events:
        again = scan_usage(session, workspace_id=tenant.workspace_id, events=events)
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


def test_the_scan_job_reads_its_window_once_for_journeys_and_paths(
    client: TestClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One `journeys.scan` run opens the usage events of its look-back once, and that one
    window still moves the customer along the journey and folds the page views into the path
    rollup (both readers saw the events)."""
    journey(client, tenant)
    key = issue_write_key(client, tenant)
    now = datetime.now(UTC).replace(microsecond=0)
    user = unique("user-")
    person = contact(client, tenant, external_ids=[user])["id"]
    batch = [
        {
            "type": "page",
            "name": name,
            "messageId": unique("m"),
            "userId": user,
            "timestamp": (now - minutes * timedelta(minutes=1)).isoformat(),
        }
        for name, minutes in (("Home", 50), ("Pricing", 40))
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(key))
    assert response.status_code == 200, response.text
    lookback = timedelta(hours=runtime.settings.journeys_scan_lookback_hours)
    windows: list[tuple[datetime, datetime]] = []

    def counted(module: Any) -> Any:
        real = module.open_events

        def open_events(session: Any, **kwargs: Any) -> Any:
            windows.append((kwargs["start"], kwargs["end"]))
            return real(session, **kwargs)

        return open_events

    for module in (scan, paths):  # every place the scan could open events from
        monkeypatch.setattr(module, "open_events", counted(module))
    runtime.job_queue.submit(JobRequest(SCAN, tenant.workspace_id, {"at": now.isoformat()}))
    runtime.job_queue.drain()
    assert windows == [(now - lookback, now)]
    history = stages_of(client, tenant, person)["history"]
    assert [h["cause"] for h in history] == ["page:Home", "page:Pricing"]
    with tenant.session() as session:
        row = session.scalar(
            select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person)
        )
        assert row is not None
        assert (row.step_0, row.step_count) == ("page_view", 1)
        assert row.started_at.replace(tzinfo=UTC) == now - 50 * timedelta(minutes=1)
