"""SLA clocks on real tickets: policy selection, first/next reply, pauses, breaches, events.

Time is controlled by writing the ticket's timestamps through the service layer with a fixed
`now`: the hooks receive `change.at`, so each step below states its own instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.permissions import Role
from cxhub.service.sla.models import SlaEvent
from cxhub.service.sla.service import check_breaches
from cxhub.service.tickets.models import Ticket
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

OFFICE = {
    "name": "Rome office",
    "time_zone": "Europe/Rome",
    "weekly_hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-25"],
}


def _policy(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {"name": unique("policy "), "targets": {"first_reply": 60, "resolution": 480}, **body}
    response = client.post("/api/v1/sla-policies", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Help",
        "description": "Please help",
        "requester": {"emails": [f"{unique('c')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _sla(client: TestClient, tenant: Tenant, ticket_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/sla", headers=tenant.admin)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_policy_selected_by_priority_starts_first_reply_and_resolution(
    client: TestClient, tenant: Tenant
) -> None:
    urgent = _policy(
        client,
        tenant,
        position=0,
        conditions={"priorities": ["urgent"]},
        targets={"first_reply": 30, "resolution": 240},
    )
    _policy(client, tenant, position=1, targets={"first_reply": 480})
    ticket = _ticket(client, tenant, priority="urgent")
    sla = _sla(client, tenant, ticket["id"])
    assert sla["policy_id"] == urgent["id"]
    by_metric = {t["metric"]: t for t in sla["targets"]}
    assert set(by_metric) == {"first_reply", "resolution"}
    created = _at(ticket["created_at"])
    # 24/7 policy (no calendar): due = created + target.
    assert _at(by_metric["first_reply"]["due_at"]) == created + timedelta(minutes=30)
    assert _at(by_metric["resolution"]["due_at"]) == created + timedelta(minutes=240)
    assert _at(sla["next_due_at"]) == created + timedelta(minutes=30)
    assert [e["kind"] for e in sla["events"]] == ["activated", "activated"]


def test_agent_reply_fulfils_first_reply_and_customer_reply_starts_next_reply(
    client: TestClient, tenant: Tenant
) -> None:
    _policy(
        client,
        tenant,
        conditions={"tags_any": ["sla-flow"]},
        targets={"first_reply": 60, "next_reply": 120},
    )
    ticket = _ticket(client, tenant, tags=["sla-flow"])
    url = f"/api/v1/tickets/{ticket['id']}"
    client.post(f"{url}/messages", json={"body": "hello"}, headers=tenant.headers(Role.AGENT))
    client.post(f"{url}/messages", json={"body": "more", "as_customer": True}, headers=tenant.admin)
    sla = _sla(client, tenant, ticket["id"])
    states = [(t["metric"], t["state"]) for t in sla["targets"]]
    assert states == [("first_reply", "fulfilled"), ("next_reply", "running")]
    next_reply = sla["targets"][1]
    assert _at(next_reply["due_at"]) == _at(next_reply["started_at"]) + timedelta(minutes=120)


def test_pending_pauses_and_open_resumes(client: TestClient, tenant: Tenant) -> None:
    _policy(client, tenant, conditions={"tags_any": ["pausing"]}, targets={"resolution": 600})
    ticket = _ticket(client, tenant, tags=["pausing"])
    url = f"/api/v1/tickets/{ticket['id']}"
    client.patch(url, json={"status": "pending"}, headers=tenant.admin)
    paused = _sla(client, tenant, ticket["id"])
    assert paused["targets"][0]["state"] == "paused"
    assert paused["targets"][0]["due_at"] is None
    assert paused["next_due_at"] is None
    client.patch(url, json={"status": "open"}, headers=tenant.admin)
    resumed = _sla(client, tenant, ticket["id"])
    assert resumed["targets"][0]["state"] == "running"
    kinds = [e["kind"] for e in resumed["events"]]
    assert kinds == ["activated", "paused", "resumed"]
    # Due moved later by the (tiny) paused time, never earlier.
    due = _at(resumed["targets"][0]["due_at"])
    assert due >= _at(ticket["created_at"]) + timedelta(minutes=600)


def test_solving_fulfils_resolution_and_cancels_the_rest(
    client: TestClient, tenant: Tenant
) -> None:
    _policy(client, tenant, conditions={"tags_any": ["solve"]})
    ticket = _ticket(client, tenant, tags=["solve"])
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=tenant.admin)
    sla = _sla(client, tenant, ticket["id"])
    assert {t["metric"]: t["state"] for t in sla["targets"]} == {
        "first_reply": "cancelled",
        "resolution": "fulfilled",
    }
    assert sla["next_due_at"] is None


def test_breach_check_marks_overdue_targets_once_and_publishes(
    runtime: Any, client: TestClient, tenant: Tenant
) -> None:
    _policy(client, tenant, conditions={"tags_any": ["late"]}, targets={"first_reply": 5})
    ticket = _ticket(client, tenant, tags=["late"])
    created = _at(ticket["created_at"])
    with tenant.session() as session:
        assert check_breaches(session, now=created + timedelta(minutes=4)) == 0
        assert check_breaches(session, now=created + timedelta(minutes=6)) == 1
        assert check_breaches(session, now=created + timedelta(minutes=7)) == 0
        row = session.scalar(select(Ticket).where(Ticket.id == ticket["id"]))
        assert row is not None
        assert row.sla_breached
        kinds = list(
            session.scalars(
                select(SlaEvent.kind)
                .where(SlaEvent.ticket_id == ticket["id"])
                .order_by(SlaEvent.id)
            )
        )
    assert kinds == ["activated", "breached"]
    sla = _sla(client, tenant, ticket["id"])
    assert sla["breached"] is True
    assert _at(sla["targets"][0]["breached_at"]) == created + timedelta(minutes=5)


def test_business_calendar_policy_counts_office_hours(client: TestClient, tenant: Tenant) -> None:
    calendar = client.post("/api/v1/business-calendars", json=OFFICE, headers=tenant.admin)
    assert calendar.status_code == 201, calendar.text
    _policy(
        client,
        tenant,
        calendar_id=calendar.json()["id"],
        conditions={"tags_any": ["office"]},
        targets={"first_reply": 240},
    )
    ticket = _ticket(client, tenant, tags=["office"])
    due = _at(_sla(client, tenant, ticket["id"])["targets"][0]["due_at"])
    # Whatever the creation instant, 4 business hours end inside Mon-Fri 09:00-17:00 Rome.
    local = due.astimezone(ZoneInfo("Europe/Rome"))
    assert local.weekday() < 5
    assert (9, 0) < (local.hour, local.minute) <= (17, 0)


def test_calendar_and_policy_validation(client: TestClient, tenant: Tenant) -> None:
    bad_day = {**OFFICE, "weekly_hours": {"funday": [["09:00", "17:00"]]}}
    assert_problem(
        client.post("/api/v1/business-calendars", json=bad_day, headers=tenant.admin),
        422,
        "validation-error",
    )
    inverted = {**OFFICE, "weekly_hours": {"mon": [["17:00", "09:00"]]}}
    assert_problem(
        client.post("/api/v1/business-calendars", json=inverted, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(
            "/api/v1/sla-policies",
            json={"name": "x", "targets": {"first_reply": 0}},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    missing_calendar = client.post(
        "/api/v1/sla-policies",
        json={"name": "x", "targets": {"first_reply": 5}, "calendar_id": 99_999_999},
        headers=tenant.admin,
    )
    assert assert_problem(missing_calendar, 422, "validation-error")["field"] == "calendar_id"


def test_calendar_in_use_cannot_be_deleted(client: TestClient, tenant: Tenant) -> None:
    calendar = client.post("/api/v1/business-calendars", json=OFFICE, headers=tenant.admin).json()
    _policy(client, tenant, calendar_id=calendar["id"], active=False)
    assert_problem(
        client.delete(f"/api/v1/business-calendars/{calendar['id']}", headers=tenant.admin),
        409,
        "conflict",
    )


def test_only_admins_configure(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/business-calendars", json=OFFICE, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(response, 403, "forbidden")


def test_breach_report_survives_unrelated_time(client: TestClient, tenant: Tenant) -> None:
    """A late first reply is recorded as breached at the deadline, not at the reply."""
    _policy(client, tenant, conditions={"tags_any": ["slow"]}, targets={"first_reply": 1})
    ticket = _ticket(client, tenant, tags=["slow"])
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket["id"]))
        assert row is not None
        assert row.next_sla_due_at == _at(ticket["created_at"]) + timedelta(minutes=1)
    assert datetime.now(UTC) < _at(ticket["created_at"]) + timedelta(minutes=1)


def test_at_risk_after_eighty_percent(client: TestClient, tenant: Tenant) -> None:
    _policy(client, tenant, conditions={"tags_any": ["risky"]}, targets={"first_reply": 10})
    ticket = _ticket(client, tenant, tags=["risky"])
    assert _sla(client, tenant, ticket["id"])["at_risk"] is False
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket["id"]))
        assert row is not None
        from cxhub.service.sla.models import TicketSlaTarget

        target = session.scalar(select(TicketSlaTarget).where(TicketSlaTarget.ticket_id == row.id))
        assert target is not None
        # 9 of 10 minutes used: move the clock's start back.
        target.started_at = target.started_at - timedelta(minutes=9)
    sla = _sla(client, tenant, ticket["id"])
    assert sla["at_risk"] is True
    assert sla["targets"][0]["at_risk"] is True
    assert sla["breached"] is False


def test_merged_and_spam_tickets_owe_nothing(client: TestClient, tenant: Tenant) -> None:
    _policy(client, tenant, conditions={"tags_any": ["dup"]}, targets={"first_reply": 5})
    target = _ticket(client, tenant, tags=["dup"])
    source = _ticket(client, tenant, tags=["dup"])
    spam = _ticket(client, tenant, tags=["dup"])
    client.post(
        f"/api/v1/tickets/{target['id']}/merge",
        json={"source_ids": [source["id"]]},
        headers=tenant.admin,
    )
    client.post(f"/api/v1/tickets/{spam['id']}/spam", headers=tenant.admin)
    for withdrawn in (source, spam):
        sla = _sla(client, tenant, withdrawn["id"])
        assert [t["state"] for t in sla["targets"]] == ["cancelled"]
        assert sla["next_due_at"] is None
    with tenant.session() as session:
        later = _at(target["created_at"]) + timedelta(hours=1)
        assert check_breaches(session, now=later) == 1  # only the surviving ticket


def test_deadlines_follow_an_edited_calendar(client: TestClient, tenant: Tenant) -> None:
    """The refresh reuses a calendar this process has built while its record is unchanged;
    after an edit the next ticket change computes deadlines with the new hours."""
    always = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    body = {"name": unique("cal "), "time_zone": "UTC", "weekly_hours": always, "holidays": []}
    calendar = client.post("/api/v1/business-calendars", json=body, headers=tenant.admin).json()
    _policy(
        client,
        tenant,
        calendar_id=calendar["id"],
        conditions={"tags_any": ["edited-calendar"]},
        targets={"first_reply": 30},
    )
    ticket = _ticket(client, tenant, tags=["edited-calendar"])
    created = _at(ticket["created_at"])
    (target,) = _sla(client, tenant, ticket["id"])["targets"]
    assert _at(target["due_at"]) == created + timedelta(minutes=30)
    # a second change with the calendar unchanged: same deadline
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"language": "it"}, headers=tenant.admin)
    (target,) = _sla(client, tenant, ticket["id"])["targets"]
    assert _at(target["due_at"]) == created + timedelta(minutes=30)
    # one business minute a week: 30 minutes of target take about 30 weeks
    sundays = {**body, "weekly_hours": {"sun": [["10:00", "10:01"]]}}
    response = client.put(
        f"/api/v1/business-calendars/{calendar['id']}", json=sundays, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"language": "en"}, headers=tenant.admin)
    (target,) = _sla(client, tenant, ticket["id"])["targets"]
    due = _at(target["due_at"])
    assert due > created + timedelta(weeks=28)
    assert (due.weekday(), due.hour) == (6, 10)
