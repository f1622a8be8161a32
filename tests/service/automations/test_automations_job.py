"""The hourly `automations.run` job: time is controlled by writing `solved_at` /
`status_changed_at` in the past and running the job function with a chosen `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from cxhub.core.runtime import Runtime
from cxhub.service.automations.models import AutomationFiring
from cxhub.service.automations.rules import Automation
from cxhub.service.automations.tasks import RUN_AUTOMATIONS, run_automations_job
from cxhub.service.automations.timed import candidate_statuses
from cxhub.service.tickets.models import Ticket
from tests.factories import Tenant
from tests.service.automations.helpers import create, rule_runs, thread, ticket

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

CLOSE_SOLVED = {
    "name": "Close tickets solved 4 days ago",
    "all": [
        {"field": "status", "op": "is", "value": "solved"},
        {"field": "hours_since_solved", "op": "gte", "value": 96},
    ],
    "actions": [
        {"type": "set_status", "status": "closed"},
        {"type": "add_internal_note", "body": "Closed four days after it was solved."},
    ],
}


def _solved_ticket(client: TestClient, tenant: Tenant, hours_ago: float) -> dict[str, Any]:
    created = ticket(client, tenant)
    response = client.patch(
        f"/api/v1/tickets/{created['id']}", json={"status": "solved"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    solved_at = NOW - timedelta(hours=hours_ago)
    with tenant.session() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.id == created["id"])
            .values(solved_at=solved_at, status_changed_at=solved_at, updated_at=solved_at)
        )
    return created


def _run(tenant: Tenant, now: datetime = NOW) -> None:
    with tenant.session() as session:
        run_automations_job(session, {"at": now.isoformat()})


def _status(client: TestClient, tenant: Tenant, ticket_id: int) -> str:
    status: str = client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.admin).json()["status"]
    return status


def test_job_is_registered_and_scheduled_hourly(runtime: Runtime) -> None:
    assert RUN_AUTOMATIONS in runtime.jobs.names()
    assert runtime.scheduler is not None
    [task] = [t for t in runtime.scheduler.tasks if t.job_name == RUN_AUTOMATIONS]
    assert task.every_seconds == 3600


def test_closes_tickets_solved_96_hours_ago_exactly_once(
    client: TestClient, tenant: Tenant
) -> None:
    automation = create(client, tenant, "/automations", CLOSE_SOLVED)
    old = _solved_ticket(client, tenant, hours_ago=97)
    recent = _solved_ticket(client, tenant, hours_ago=95)
    _run(tenant)
    assert _status(client, tenant, old["id"]) == "closed"
    assert _status(client, tenant, recent["id"]) == "solved"
    notes = [m for m in thread(client, tenant, old["id"]) if m["author_kind"] == "system"]
    assert [(m["public"], m["body"]) for m in notes] == [
        (False, "Closed four days after it was solved.")
    ]
    [run] = rule_runs(client, tenant, old["id"])
    assert (run["rule_kind"], run["rule_id"]) == ("automation", automation["id"])
    assert "status" in run["changed_fields"]
    # the next ticks change nothing more
    _run(tenant, NOW + timedelta(hours=1))
    _run(tenant, NOW + timedelta(hours=2))
    assert len(rule_runs(client, tenant, old["id"])) == 1
    assert len(thread(client, tenant, old["id"])) == len(notes) + 1
    with tenant.session() as session:
        markers = session.scalars(
            select(AutomationFiring.ticket_id).where(
                AutomationFiring.automation_id == automation["id"]
            )
        )
        assert sorted(markers) == sorted({old["id"], recent["id"]})
    # the 95-hour ticket was closed by the tick an hour later, once too
    assert _status(client, tenant, recent["id"]) == "closed"


def test_fires_once_per_ticket_even_when_conditions_hold_again(
    client: TestClient, tenant: Tenant
) -> None:
    nudge = {
        "name": "Nudge pending tickets",
        "all": [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "hours_since_status_changed", "op": "gte", "value": 24},
            {"field": "tags", "op": "not_contains", "value": "nudged"},
        ],
        "actions": [{"type": "add_tags", "tags": ["nudged"]}],
    }
    create(client, tenant, "/automations", nudge)
    created = ticket(client, tenant)
    url = f"/api/v1/tickets/{created['id']}"
    client.patch(url, json={"status": "pending"}, headers=tenant.admin)
    with tenant.session() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.id == created["id"])
            .values(status_changed_at=NOW - timedelta(hours=30))
        )
    _run(tenant)
    assert client.get(url, headers=tenant.admin).json()["tags"] == ["nudged"]
    client.patch(url, json={"remove_tags": ["nudged"]}, headers=tenant.admin)
    _run(tenant, NOW + timedelta(hours=1))
    assert client.get(url, headers=tenant.admin).json()["tags"] == []


def test_closed_and_inactive_are_left_alone(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, "/automations", {**CLOSE_SOLVED, "active": False})
    old = _solved_ticket(client, tenant, hours_ago=200)
    _run(tenant)
    assert _status(client, tenant, old["id"]) == "solved"


def test_candidate_statuses_prefilter() -> None:
    close = Automation.model_validate({"id": 1, **CLOSE_SOLVED})
    assert candidate_statuses([close]) == {"solved"}
    any_status = Automation.model_validate(
        {
            "id": 2,
            "name": "tag old",
            "all": [
                {"field": "hours_since_created", "op": "gte", "value": 1},
                {"field": "tags", "op": "not_contains", "value": "old"},
            ],
            "actions": [{"type": "add_tags", "tags": ["old"]}],
        }
    )
    assert candidate_statuses([close, any_status]) is None
