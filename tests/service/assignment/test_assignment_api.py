"""Automatic assignment over HTTP: round-robin fairness, capacity, languages, least-loaded."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _agents(client: TestClient, tenant: Tenant, count: int) -> list[int]:
    return [
        int(
            _post(
                client,
                tenant,
                "/users",
                {"email": f"{unique('a')}@example.org", "name": "Agent", "role": "agent"},
            )["id"]
        )
        for _ in range(count)
    ]


def _team(client: TestClient, tenant: Tenant, members: list[int], mode: str) -> int:
    team = int(
        _post(client, tenant, "/teams", {"name": unique("team "), "member_ids": members})["id"]
    )
    response = client.put(
        f"/api/v1/teams/{team}/assignment", json={"mode": mode}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    return team


def _profile(client: TestClient, tenant: Tenant, user_id: int, **body: Any) -> dict[str, Any]:
    response = client.put(f"/api/v1/agents/{user_id}/profile", json=body, headers=tenant.admin)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _ticket(client: TestClient, tenant: Tenant, team: int, **body: Any) -> dict[str, Any]:
    return _post(
        client,
        tenant,
        "/tickets",
        {
            "subject": "s",
            "description": "d",
            "requester": {"emails": [f"{unique('r')}@example.com"]},
            "team_id": team,
            **body,
        },
    )


def test_round_robin_is_fair(client: TestClient, tenant: Tenant) -> None:
    agents = _agents(client, tenant, 3)
    team = _team(client, tenant, agents, "round_robin")
    tickets = [_ticket(client, tenant, team) for _ in range(9)]
    assert [t["assignee_id"] for t in tickets[:3]] == agents
    assert Counter(t["assignee_id"] for t in tickets) == dict.fromkeys(agents, 3)
    assert all(t["status"] == "open" for t in tickets)
    settings = client.get(f"/api/v1/teams/{team}/assignment", headers=tenant.admin).json()
    assert settings == {"team_id": team, "mode": "round_robin", "last_assigned_user_id": agents[2]}


def test_capacity_and_availability_are_respected(client: TestClient, tenant: Tenant) -> None:
    full, away, free = _agents(client, tenant, 3)
    _profile(client, tenant, full, max_open_tickets=1)
    _profile(client, tenant, away, available=False)
    team = _team(client, tenant, [full, away, free], "round_robin")
    assignees = [_ticket(client, tenant, team)["assignee_id"] for _ in range(4)]
    assert assignees == [full, free, free, free]
    assert _profile(client, tenant, full, max_open_tickets=1)["open_tickets"] == 1


def test_nobody_with_room_leaves_the_ticket_unassigned(client: TestClient, tenant: Tenant) -> None:
    (agent,) = _agents(client, tenant, 1)
    _profile(client, tenant, agent, max_open_tickets=0)
    team = _team(client, tenant, [agent], "least_loaded")
    ticket = _ticket(client, tenant, team)
    assert (ticket["assignee_id"], ticket["status"]) == (None, "new")
    response = client.post(f"/api/v1/tickets/{ticket['id']}/auto-assign", headers=tenant.admin)
    assert_problem(response, 409, "conflict")


def test_language_is_preferred_then_anyone(client: TestClient, tenant: Tenant) -> None:
    english, italian = _agents(client, tenant, 2)
    _profile(client, tenant, english, languages=["en"])
    _profile(client, tenant, italian, languages=["it", "fr-CA"])
    team = _team(client, tenant, [english, italian], "round_robin")
    assert [_ticket(client, tenant, team, language="it-IT")["assignee_id"] for _ in range(3)] == [
        italian
    ] * 3
    assert _ticket(client, tenant, team, language="fr")["assignee_id"] == italian
    # Nobody speaks German: anyone with room, in turn.
    assert _ticket(client, tenant, team, language="de")["assignee_id"] == english


def test_least_loaded_picks_fewest_unsolved_then_longest_waiting(
    client: TestClient, tenant: Tenant
) -> None:
    busy, idle_a, idle_b = _agents(client, tenant, 3)
    manual = _team(client, tenant, [busy], "manual")
    for _ in range(2):
        _ticket(client, tenant, manual, assignee_id=busy)
    team = _team(client, tenant, [busy, idle_a, idle_b], "least_loaded")
    assignees = [_ticket(client, tenant, team)["assignee_id"] for _ in range(5)]
    assert assignees[:2] == [idle_a, idle_b]  # ties to whoever waited longest (never: lower id)
    assert Counter(assignees) == {idle_a: 2, idle_b: 2, busy: 1}


def test_manual_team_and_auto_assign_route(client: TestClient, tenant: Tenant) -> None:
    (agent,) = _agents(client, tenant, 1)
    team = _team(client, tenant, [agent], "manual")
    ticket = _ticket(client, tenant, team)
    assert ticket["assignee_id"] is None
    url = f"/api/v1/tickets/{ticket['id']}/auto-assign"
    assert_problem(client.post(url, headers=tenant.admin), 422, "validation-error")
    client.put(
        f"/api/v1/teams/{team}/assignment", json={"mode": "least_loaded"}, headers=tenant.admin
    )
    assigned = client.post(url, headers=tenant.headers(Role.AGENT))
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["assignee_id"], assigned.json()["status"]) == (agent, "open")
    viewer = client.post(url, headers=tenant.headers(Role.VIEWER))
    assert_problem(viewer, 403, "forbidden")


def test_settings_routes_validate_and_default(client: TestClient, tenant: Tenant) -> None:
    (agent,) = _agents(client, tenant, 1)
    profile = client.get(f"/api/v1/agents/{agent}/profile", headers=tenant.headers(Role.VIEWER))
    assert profile.json()["available"] is True
    assert profile.json()["max_open_tickets"] is None
    bad = client.put(
        f"/api/v1/agents/{agent}/profile", json={"languages": ["not a tag!"]}, headers=tenant.admin
    )
    assert_problem(bad, 422, "validation-error")
    team = _team(client, tenant, [agent], "manual")
    bad_mode = client.put(
        f"/api/v1/teams/{team}/assignment", json={"mode": "x"}, headers=tenant.admin
    )
    assert_problem(bad_mode, 422, "validation-error")
    denied = client.put(
        f"/api/v1/teams/{team}/assignment",
        json={"mode": "round_robin"},
        headers=tenant.headers(Role.AGENT),
    )
    assert_problem(denied, 403, "forbidden")
