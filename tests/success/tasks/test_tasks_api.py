"""CSM tasks through the API: defaults, filters and paging, completion, timeline, events,
validation and permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.events import DomainEvent
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.success.tasks.events import TaskCancelled, TaskCompleted, TaskCreated
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

API = "/api/v1"


def _today() -> date:
    return datetime.now(UTC).date()


def _post(
    client: TestClient, tenant: Tenant, path: str, body: dict[str, Any], role: Role = Role.ADMIN
) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.headers(role))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _account(client: TestClient, tenant: Tenant, **fields: Any) -> int:
    return int(_post(client, tenant, "/accounts", {"name": unique("Acct "), **fields})["id"])


@pytest.fixture
def seen(runtime: Runtime, tenant: Tenant) -> list[DomainEvent]:
    events: list[DomainEvent] = []

    def keep(event: DomainEvent) -> None:
        if event.workspace_id == tenant.workspace_id:
            events.append(event)

    for kind in (TaskCreated, TaskCompleted, TaskCancelled):
        runtime.events.subscribe(kind, keep)
    return events


def test_a_task_goes_to_the_account_owner_and_appears_on_the_timeline(
    client: TestClient, tenant: Tenant, seen: list[DomainEvent]
) -> None:
    csm = tenant.user_ids[Role.CSM]
    account = _account(client, tenant, owner_id=csm)
    due = (_today() + timedelta(days=3)).isoformat()
    task = _post(
        client,
        tenant,
        "/tasks",
        {"account_id": account, "title": "  Call   about renewal ", "due_on": due},
        role=Role.CSM,
    )
    assert task["owner_id"] == csm
    assert task["title"] == "Call about renewal"
    assert (task["status"], task["source"], task["priority"]) == ("open", "manual", "normal")
    assert task["overdue"] is False
    assert task["created_by_id"] == csm
    done = client.post(f"{API}/tasks/{task['id']}/complete", headers=tenant.headers(Role.CSM))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["completed_by_id"] == csm
    again = client.post(f"{API}/tasks/{task['id']}/complete", headers=tenant.admin)
    assert again.json()["completed_by_id"] == csm  # completing twice changes nothing
    timeline = client.get(f"{API}/accounts/{account}/timeline", headers=tenant.admin).json()
    kinds = [(i["kind"], i["source_type"], i["source_id"]) for i in timeline["items"]]
    assert ("task.created", "task", str(task["id"])) in kinds
    assert ("task.completed", "task", str(task["id"])) in kinds
    assert [type(e) for e in seen] == [TaskCreated, TaskCompleted]
    assert seen[0].owner_id == csm  # type: ignore[attr-defined]


def test_without_an_account_owner_the_creator_owns_the_task(
    client: TestClient, tenant: Tenant
) -> None:
    account = _account(client, tenant)
    task = _post(client, tenant, "/tasks", {"account_id": account, "title": "Intro"})
    assert task["owner_id"] == tenant.user_ids[Role.ADMIN]
    explicit = _post(
        client,
        tenant,
        "/tasks",
        {"account_id": account, "title": "Hand over", "owner_id": tenant.user_ids[Role.CSM]},
    )
    assert explicit["owner_id"] == tenant.user_ids[Role.CSM]


def test_filters_overdue_and_keyset_pages(client: TestClient, tenant: Tenant) -> None:
    csm = tenant.user_ids[Role.CSM]
    mine = _account(client, tenant, owner_id=csm)
    other = _account(client, tenant)
    today = _today()
    made = {}
    for title, days, account in (
        ("late", -2, mine),
        ("today", 0, mine),
        ("soon", 5, mine),
        ("someone else", -1, other),
    ):
        made[title] = _post(
            client,
            tenant,
            "/tasks",
            {
                "account_id": account,
                "title": title,
                "due_on": (today + timedelta(days=days)).isoformat(),
            },
        )["id"]
    client.patch(f"{API}/tasks/{made['soon']}", json={"status": "cancelled"}, headers=tenant.admin)
    headers = tenant.headers(Role.CSM)
    listed = client.get(f"{API}/tasks", params={"owner": "me"}, headers=headers).json()
    assert [t["title"] for t in listed["items"]] == ["late", "today", "soon"]  # by due date
    overdue = client.get(f"{API}/tasks", params={"owner": "me", "overdue": "true"}, headers=headers)
    assert [t["title"] for t in overdue.json()["items"]] == ["late"]
    assert overdue.json()["items"][0]["overdue"] is True
    open_only = client.get(
        f"{API}/tasks", params={"owner": "me", "status": "open"}, headers=headers
    ).json()
    assert [t["title"] for t in open_only["items"]] == ["late", "today"]
    by_account = client.get(f"{API}/tasks", params={"account_id": other}, headers=headers).json()
    assert [t["title"] for t in by_account["items"]] == ["someone else"]
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"owner": str(csm), "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/tasks", params=params, headers=headers).json()
        pages += [t["title"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == ["late", "today", "soon"]


def test_update_changes_only_what_is_sent_and_cancel_reopen(
    client: TestClient, tenant: Tenant, seen: list[DomainEvent]
) -> None:
    account = _account(client, tenant)
    task = _post(client, tenant, "/tasks", {"account_id": account, "title": "A", "notes": "n"})
    changed = client.patch(
        f"{API}/tasks/{task['id']}",
        json={"priority": "high", "due_on": "2030-01-02"},
        headers=tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["priority"], body["due_on"], body["notes"], body["title"]) == (
        "high",
        "2030-01-02",
        "n",
        "A",
    )
    cancelled = client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "cancelled"}, headers=tenant.admin
    )
    assert cancelled.json()["status"] == "cancelled"
    reopened = client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "open"}, headers=tenant.admin
    )
    assert reopened.json()["status"] == "open"
    assert reopened.json()["completed_at"] is None
    assert TaskCancelled in [type(e) for e in seen]


def test_validation_errors_are_problems(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    account = _account(client, tenant)
    other_account = _account(client, tenant)
    contact = _post(client, tenant, "/contacts", {"first_name": "C", "account_id": other_account})
    foreign_user = other_tenant.user_ids[Role.CSM]
    cases = [
        ({"account_id": account, "title": "   "}, 422, "validation-error"),
        ({"account_id": account}, 422, "validation-error"),
        ({"account_id": account, "title": "x", "owner_id": foreign_user}, 422, "validation-error"),
        (
            {"account_id": account, "title": "x", "contact_id": contact["id"]},
            422,
            "validation-error",
        ),
        ({"account_id": account, "title": "x", "due_on": "1700-01-01"}, 422, "validation-error"),
        ({"account_id": account, "title": "x", "surprise": 1}, 422, "validation-error"),
        ({"account_id": 987654321, "title": "x"}, 404, "not-found"),
    ]
    for body, status, slug in cases:
        assert_problem(client.post(f"{API}/tasks", json=body, headers=tenant.admin), status, slug)
    task = _post(client, tenant, "/tasks", {"account_id": account, "title": "ok"})
    for patch in ({"title": None}, {"status": None}, {"priority": None}, {"status": "later"}):
        assert_problem(
            client.patch(f"{API}/tasks/{task['id']}", json=patch, headers=tenant.admin),
            422,
            "validation-error",
        )
    assert_problem(
        client.get(f"{API}/tasks", params={"owner": "boss"}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.get(f"{API}/tasks", params={"cursor": "garbage"}, headers=tenant.admin),
        400,
        "invalid-cursor",
    )
    assert_problem(
        client.get(f"{API}/tasks", params={"sort": "title"}, headers=tenant.admin),
        400,
        "invalid-sort",
    )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.AGENT])
def test_roles_without_success_write_may_read_but_not_change(
    client: TestClient, tenant: Tenant, role: Role
) -> None:
    account = _account(client, tenant)
    task = _post(client, tenant, "/tasks", {"account_id": account, "title": "x"})
    headers = tenant.headers(role)
    assert client.get(f"{API}/tasks/{task['id']}", headers=headers).status_code == 200
    denied = [
        client.post(f"{API}/tasks", json={"account_id": account, "title": "y"}, headers=headers),
        client.patch(f"{API}/tasks/{task['id']}", json={"title": "z"}, headers=headers),
        client.post(f"{API}/tasks/{task['id']}/complete", headers=headers),
    ]
    for response in denied:
        assert_problem(response, 403, "forbidden")
    assert client.get(f"{API}/tasks/{task['id']}", headers=tenant.admin).json()["status"] == "open"


def test_another_workspace_cannot_see_or_touch_tasks(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    account = _account(client, tenant)
    task = _post(client, tenant, "/tasks", {"account_id": account, "title": "private"})
    for response in (
        client.get(f"{API}/tasks/{task['id']}", headers=other_tenant.admin),
        client.post(f"{API}/tasks/{task['id']}/complete", headers=other_tenant.admin),
        client.post(
            f"{API}/tasks", json={"account_id": account, "title": "x"}, headers=other_tenant.admin
        ),
    ):
        assert_problem(response, 404, "not-found")
    listed = client.get(f"{API}/tasks", params={"account_id": account}, headers=other_tenant.admin)
    assert listed.json()["items"] == []
    assert client.get(f"{API}/tasks/{task['id']}", headers=tenant.admin).json()["status"] == "open"


def test_an_owner_in_non_ascii_digits_is_a_422(client: TestClient, tenant: Tenant) -> None:
    for owner in ("²", "١٢"):
        response = client.get("/api/v1/tasks", params={"owner": owner}, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")
