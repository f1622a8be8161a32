"""Service KPIs on hand-computed tickets, and CSAT on real review scores (Olist)."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.analytics.formulas import csat_percent
from cxhub.analytics.service_kpis import GroupBy, service_kpis
from cxhub.core.runtime import Runtime
from cxhub.service.sla.service import refresh_ticket_sla
from cxhub.service.tickets.hooks import TicketChange, capture
from cxhub.service.tickets.models import Ticket, TicketStatus
from tests.api.problems import assert_problem
from tests.factories import Tenant, make_tenant, unique

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> int:
    payload = {
        "subject": "s",
        "description": "d",
        "requester": {"emails": [f"{unique('k')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _set(tenant: Tenant, ticket_id: int, **values: Any) -> None:
    with tenant.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert ticket is not None
        for name, value in values.items():
            setattr(ticket, name, value)


@pytest.fixture
def fresh(runtime: Runtime) -> Tenant:
    return make_tenant(runtime)


def test_hand_computed_period(client: TestClient, fresh: Tenant) -> None:
    """Four tickets in March (times below); one in February outside the period.

    first replies: 1 h, 3 h, 2 h (the fourth has none) -> mean 2 h, median 2 h
    solved in March: A (2 h), B (5 h, reopened once, 2 agent replies), C (1 h, one agent reply)
    -> resolution mean (2+5+1)/3 h, reopen rate 1/3, one-touch = A and C = 2/3
    """
    a = _ticket(client, fresh, channel="email")
    b = _ticket(client, fresh, channel="email", priority="high")
    c = _ticket(client, fresh, channel="web")
    d = _ticket(client, fresh, channel="web")
    february = _ticket(client, fresh, channel="web")
    h = timedelta(hours=1)
    solved = TicketStatus.SOLVED
    _set(
        fresh,
        a,
        created_at=T0,
        first_replied_at=T0 + h,
        solved_at=T0 + 2 * h,
        status=solved,
        agent_reply_count=1,
    )
    _set(
        fresh,
        b,
        created_at=T0,
        first_replied_at=T0 + 3 * h,
        solved_at=T0 + 5 * h,
        status=solved,
        reopen_count=1,
        agent_reply_count=2,
    )
    _set(
        fresh,
        c,
        created_at=T0 + h,
        first_replied_at=T0 + 3 * h,
        solved_at=T0 + 2 * h,
        status=solved,
        agent_reply_count=1,
    )
    _set(fresh, d, created_at=T0 + 2 * h)
    _set(fresh, february, created_at=T0 - timedelta(days=20))
    with fresh.session() as session:
        (total,) = service_kpis(
            session, workspace_id=fresh.workspace_id, start=T0, end=T0 + timedelta(days=30)
        )
        by_channel = {
            g.key: g
            for g in service_kpis(
                session,
                workspace_id=fresh.workspace_id,
                start=T0,
                end=T0 + timedelta(days=30),
                group_by=GroupBy.CHANNEL,
            )
        }
    assert total.created == 4
    assert total.first_reply["count"] == 3
    assert total.first_reply["mean"] == pytest.approx(2 * 3600, abs=1)
    assert total.first_reply["median"] == pytest.approx(2 * 3600, abs=1)
    assert total.solved == 3
    assert total.resolution["mean"] == pytest.approx((2 + 5 + 1) / 3 * 3600, abs=1)
    assert total.reopen_rate == pytest.approx(100 / 3)
    assert total.one_touch_rate == pytest.approx(200 / 3)
    assert total.backlog_now == 2  # d and the February ticket are unsolved
    assert by_channel["email"].created == 2
    assert by_channel["web"].created == 2
    assert by_channel["email"].first_reply["mean"] == pytest.approx(2 * 3600, abs=1)


def test_business_first_reply_worked_example(client: TestClient, fresh: Tenant) -> None:
    """docs/metrics.md: created Friday 16:00 Rome, replied Monday 10:00 -> 66 h / 2 h."""
    calendar = client.post(
        "/api/v1/business-calendars",
        json={
            "name": "office",
            "time_zone": "Europe/Rome",
            "weekly_hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
        headers=fresh.admin,
    ).json()
    client.post(
        "/api/v1/sla-policies",
        json={"name": "p", "calendar_id": calendar["id"], "targets": {"resolution": 6000}},
        headers=fresh.admin,
    )
    ticket_id = _ticket(client, fresh)
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # 16:00 in Rome (CET)
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 10:00 in Rome
    with fresh.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert ticket is not None
        before = capture(ticket)
        ticket.created_at = friday
        ticket.first_replied_at = monday
        refresh_ticket_sla(
            session, ticket=ticket, change=TicketChange("ticket_updated", before=before, at=monday)
        )
        assert ticket.first_reply_business_seconds == 2 * 3600
        (total,) = service_kpis(
            session, workspace_id=fresh.workspace_id, start=friday, end=monday + timedelta(days=1)
        )
    assert total.first_reply["mean"] == pytest.approx(66 * 3600, abs=1)
    assert total.first_reply_business["mean"] == 2 * 3600


def test_api_validates_the_period(client: TestClient, tenant: Tenant) -> None:
    assert_problem(
        client.get(
            "/api/v1/metrics/service",
            params={"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert_problem(
        client.get("/api/v1/metrics/service", params={"group_by": "planet"}, headers=tenant.admin),
        422,
        "validation-error",
    )


@pytest.mark.realdata
def test_csat_on_real_review_scores(client: TestClient, fresh: Tenant, shared_data: Path) -> None:
    """Olist review scores (1-5) rated through the API give the CSAT the formula gives, and
    the formula agrees with a plain count over the whole file."""
    with (shared_data / "reviews" / "olist-order-reviews-sample.csv").open(encoding="utf-8") as f:
        scores = [int(row["review_score"]) for row in csv.DictReader(f)]
    assert len(scores) > 6000
    satisfied = sum(1 for s in scores if s in (4, 5))
    assert csat_percent(scores) == pytest.approx(100 * satisfied / len(scores))
    sample = random.Random(7).sample(scores, 40)
    start = datetime.now(UTC) - timedelta(minutes=1)
    for score in sample:
        ticket_id = _ticket(client, fresh)
        client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "solved"}, headers=fresh.admin)
        rated = client.post(
            f"/api/v1/tickets/{ticket_id}/csat", json={"score": score}, headers=fresh.admin
        )
        assert rated.status_code == 200, rated.text
    body = client.get(
        "/api/v1/metrics/service",
        params={"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()},
        headers=fresh.admin,
    ).json()
    (total,) = body["groups"]
    assert total["csat_ratings"] == len(sample)
    assert total["csat"] == pytest.approx(csat_percent(sample))
    assert body["from"].startswith(start.isoformat()[:16])


def test_metrics_never_count_another_workspace(
    client: TestClient, fresh: Tenant, other_tenant: Tenant
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    _ticket(client, fresh)
    for _ in range(3):
        _ticket(client, other_tenant)
    params = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    mine = client.get("/api/v1/metrics/service", params=params, headers=fresh.admin).json()
    assert mine["groups"][0]["created"] == 1
    assert mine["groups"][0]["backlog_now"] == 1
