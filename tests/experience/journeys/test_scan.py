"""The journey scan: Segment page and track calls (stored, never published) and renewal windows
move customers; re-scanning the same window writes nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.journeys import paths, scan
from cxhub.experience.journeys.models import JourneyPathPrefix
from cxhub.experience.journeys.scan import (
    first_calls,
    moving_first_calls,
    renewal_signals,
    scan_renewals,
    scan_usage,
    scan_window,
)
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
        firsts = first_calls(events)
    assert [(f.user_id, f.name) for f in firsts] == [
        (user, "Home"),
        (user, "Pricing"),
        (user, "Report Built"),
        (stranger, "Pricing"),
    ]
    with tenant.session() as session:
        written = scan_usage(session, workspace_id=tenant.workspace_id, firsts=firsts)
    assert written == 2  # awareness (Home), then consideration (Pricing)
    history = stages_of(client, tenant, person["id"])["history"]
    assert [(h["stage_key"], h["cause"]) for h in history] == [
        ("awareness", "page:Home"),
        ("consideration", "page:Pricing"),
    ]
    onboarding = call("track", "Onboarding Started", 5)
    client.post("/v1/batch", json={"batch": [onboarding]}, headers=basic(key))
    with tenant.session() as session, scan_window(session, **window) as events:
        firsts = first_calls(events)
    with tenant.session() as session:
        moving = moving_first_calls(session, firsts=firsts)
        assert [f.name for f in moving] == ["Onboarding Started"]  # the rest moves nobody
        again = scan_usage(session, workspace_id=tenant.workspace_id, firsts=firsts)
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
        signals = renewal_signals(session, today=today, now=now)
        written = scan_renewals(session, workspace_id=tenant.workspace_id, signals=signals)
    assert written == 1
    with tenant.session() as session:
        assert renewal_signals(session, today=today, now=now) == []  # already in renewal
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


def test_the_scan_job_reads_before_its_write_transaction_and_writes_only_what_moves(
    client: TestClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a writing session holds the write lock from its first statement (ADR 0035):
    the scan reads the inbox, the contacts and the current stages in a read-only session
    first, and its own session runs only the writes and the few reads they need. A re-scan
    with nothing new never opens a write transaction at all."""
    import cxhub.experience.journeys.service as service_module
    import cxhub.success.usage.service as usage_module
    from cxhub.core.db import SQLITE_WRITER_OPTION
    from cxhub.core.sqlite_writers import gate_for

    journey(client, tenant)
    key = issue_write_key(client, tenant)
    now = datetime.now(UTC).replace(microsecond=0)
    user = unique("user-")
    person = contact(client, tenant, external_ids=[user])["id"]
    batch = [
        {
            "type": kind,
            "name" if kind == "page" else "event": name,
            "messageId": unique("m"),
            "userId": user_id,
            "timestamp": (now - minutes * timedelta(minutes=1)).isoformat(),
        }
        for kind, name, minutes, user_id in (
            ("page", "Home", 50, user),
            ("page", "Pricing", 40, user),
            ("track", "Report Built", 30, user),
            ("page", "Home", 20, unique("anon-")),
        )
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(key))
    assert response.status_code == 200, response.text
    sqlite = runtime.engine.dialect.name == "sqlite"
    gate = gate_for(str(runtime.engine.url.database)) if sqlite else None
    statements: list[tuple[str, bool]] = []  # (statement, on a writing connection)
    gate_held: dict[str, list[bool]] = {"inbox": [], "write": []}

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((statement, conn.get_execution_options().get(SQLITE_WRITER_OPTION, True)))

    def spied(module: Any, name: str, label: str) -> None:
        real = getattr(module, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            gate_held[label].append(gate is not None and gate.locked())
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    spied(usage_module, "inbox_events", "inbox")
    spied(service_module, "enter_stage", "write")

    def scan() -> list[tuple[str, bool]]:
        statements.clear()
        event.listen(runtime.engine, "before_cursor_execute", record)
        try:
            runtime.job_queue.submit(JobRequest(SCAN, tenant.workspace_id, {"at": now.isoformat()}))
            runtime.job_queue.drain()
        finally:
            event.remove(runtime.engine, "before_cursor_execute", record)
        return list(statements)

    first = scan()
    assert [h["cause"] for h in stages_of(client, tenant, person)["history"]] == [
        "page:Home",
        "page:Pricing",
    ]
    writing = [index for index, (_, writer) in enumerate(first) if writer]
    reading = [index for index, (_, writer) in enumerate(first) if not writer]
    assert writing
    assert reading
    assert max(reading) < min(writing)  # every read before the write transaction began
    assert not any("usage_events" in s for s, writer in first if writer)
    assert any("usage_events" in s for s, writer in first if not writer)
    assert gate_held["inbox"] == [False]  # the inbox was read without SQLite's write lock
    assert gate_held["write"] == [sqlite, sqlite]  # (the check sees the lock when it is held)
    again = scan()  # nothing new: reads only, no write transaction at all
    assert again
    assert not any(writer for _, writer in again)
    assert gate_held["write"] == [sqlite, sqlite]


def test_a_preview_older_than_the_write_never_moves_anyone_backwards(
    client: TestClient, tenant: Tenant
) -> None:
    """The scan previews in a read-only session and writes later: a customer moved further on
    in between (here to consideration by a meeting) is re-read under the lock, so the page
    view previewed as moving them to awareness writes nothing."""
    from cxhub.experience.journeys.rules import Signal
    from cxhub.experience.journeys.scan import FirstCall
    from cxhub.experience.journeys.service import Subject, apply_signal

    journey(client, tenant)
    user = unique("user-")
    person = contact(client, tenant, external_ids=[user])["id"]
    at = datetime(2026, 5, 1, 10, tzinfo=UTC)
    firsts = [FirstCall(user, "page", "Home", at)]
    with tenant.session() as reader:
        assert moving_first_calls(reader, firsts=firsts) == firsts  # in no stage yet
    with tenant.session() as session:
        meeting = Signal(source="touchpoint", occurred_at=at, kind="meeting")
        moved = apply_signal(
            session,
            workspace_id=tenant.workspace_id,
            subjects=[Subject(person, None)],
            signal=meeting,
            cause="meeting",
        )
        assert [e.stage_key for e in moved] == ["consideration"]
    with tenant.session() as session:
        assert scan_usage(session, workspace_id=tenant.workspace_id, firsts=firsts) == 0
    history = stages_of(client, tenant, person)["history"]
    assert [h["stage_key"] for h in history] == ["consideration"]
