"""The ticket list reads its page's tags and followers in one statement each (issue 7).

`GET /api/v1/tickets` loads its tickets without the `selectin` loaders and builds each answer
from plain rows (`tickets/listing.py`): the values and their order must be the ones the ticket's
own relationships give, the statements must not grow with the page, and the workspace filter
must keep another workspace's rows out of those plain reads too.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.service.tickets import listing
from cxhub.service.tickets.models import TicketFollower, TicketTag
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Parcel lost",
        "description": "Where is it?",
        "requester": {"emails": [f"{unique('r')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _follow(client: TestClient, tenant: Tenant, ticket_id: int, user_ids: list[int]) -> None:
    response = client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"follower_ids": user_ids}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text


def _listed(client: TestClient, tenant: Tenant, **params: Any) -> dict[int, dict[str, Any]]:
    response = client.get("/api/v1/tickets", params={"limit": 25, **params}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def test_list_carries_each_tickets_tags_and_followers_sorted(
    client: TestClient, tenant: Tenant
) -> None:
    csm, agent, viewer = (tenant.user_ids[r] for r in (Role.CSM, Role.AGENT, Role.VIEWER))
    both = _ticket(client, tenant, tags=["zeta", "alpha", "mid"])
    _follow(client, tenant, both["id"], [viewer, csm, agent])
    neither = _ticket(client, tenant)
    tags_only = _ticket(client, tenant, tags=["solo"])
    followers_only = _ticket(client, tenant)
    _follow(client, tenant, followers_only["id"], [agent])

    listed = _listed(client, tenant)

    assert set(listed) == {both["id"], neither["id"], tags_only["id"], followers_only["id"]}
    assert listed[both["id"]]["tags"] == ["alpha", "mid", "zeta"]
    assert listed[both["id"]]["follower_ids"] == sorted([viewer, csm, agent])
    assert (listed[neither["id"]]["tags"], listed[neither["id"]]["follower_ids"]) == ([], [])
    assert (listed[tags_only["id"]]["tags"], listed[tags_only["id"]]["follower_ids"]) == (
        ["solo"],
        [],
    )
    assert listed[followers_only["id"]]["tags"] == []
    assert listed[followers_only["id"]]["follower_ids"] == [agent]
    # The same answer as the ticket read on its own (through its relationships).
    for ticket_id, item in listed.items():
        alone = client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.admin).json()
        assert item == alone


def test_a_full_page_costs_the_same_statements_as_a_short_one(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    created = [_ticket(client, tenant, tags=[f"t{n % 3}", "common"]) for n in range(26)]
    with tenant.session() as session:
        session.add_all(
            TicketFollower(ticket_id=t["id"], user_id=tenant.user_ids[role])
            for t in created
            for role in (Role.AGENT, Role.CSM)
        )

    statements.clear()
    full = _listed(client, tenant)
    full_page = list(statements)
    statements.clear()
    _listed(client, tenant, limit=2)
    short_page = list(statements)

    assert len(full) == 25
    assert all(len(t["tags"]) == 2 and len(t["follower_ids"]) == 2 for t in full.values())
    ticket_reads = [s for s in full_page if "ticket" in s]
    assert len(ticket_reads) <= 4, ticket_reads  # the page, its tags, its followers
    assert len(full_page) == len(short_page), (full_page, short_page)


def test_another_workspaces_tag_and_follower_rows_never_show(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    """Rows of another workspace pointing at this workspace's ticket (which no code path writes,
    but a bad import could) stay out: the plain reads go through the workspace filter."""
    mine = _ticket(client, tenant, tags=["mine"])
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        session.add(
            TicketTag(workspace_id=other_tenant.workspace_id, ticket_id=mine["id"], tag="x")
        )
        session.add(
            TicketFollower(
                workspace_id=other_tenant.workspace_id,
                ticket_id=mine["id"],
                user_id=other_tenant.user_ids[Role.ADMIN],
            )
        )

    listed = _listed(client, tenant)

    assert listed[mine["id"]]["tags"] == ["mine"]
    assert listed[mine["id"]]["follower_ids"] == []
    with tenant.session() as session:
        assert listing.tags_by_ticket(session, ticket_ids=[mine["id"]]) == {mine["id"]: ["mine"]}
        assert listing.followers_by_ticket(session, ticket_ids=[mine["id"]]) == {}
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        unfiltered = listing.tags_by_ticket(session, ticket_ids=[mine["id"]])
    assert unfiltered == {mine["id"]: ["mine", "x"]}  # the rows are there; the filter hid them


def test_an_empty_page_reads_no_tags_or_followers(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    assert _listed(client, tenant) == {}
    assert not [s for s in statements if "ticket_tags" in s or "ticket_followers" in s]
