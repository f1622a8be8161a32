"""The ticket view reads tags, followers and attachments as plain rows (issue 7).

`GET /api/v1/tickets/{id}` and `GET /api/v1/tickets/{id}/messages` build their answers the way
the ticket list does (`tickets/listing.py`) instead of through the `selectin`/lazy relationship
loaders. The answers must stay the ones those relationships give (values and order), the thread
must cost a fixed number of statements whatever its page size, and another workspace's ticket or
rows must stay out.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage
from cxhub.service.tickets.schemas import MessageOut, TicketOut
from tests.api.problems import assert_problem
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


def _upload(client: TestClient, tenant: Tenant, name: str) -> int:
    response = client.post(
        "/api/v1/attachments",
        files={"file": (name, f"content of {name}".encode(), "text/plain")},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    attachment_id: int = response.json()["id"]
    return attachment_id


def _reply(client: TestClient, tenant: Tenant, ticket_id: int, **body: Any) -> None:
    response = client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": "On its way", **body},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text


def _thread(client: TestClient, tenant: Tenant, ticket_id: int, **params: Any) -> Any:
    response = client.get(
        f"/api/v1/tickets/{ticket_id}/messages", params=params, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    return response.json()


def _ticket_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "ticket" in s]


def test_ticket_answer_is_the_one_its_relationships_give(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    csm, agent, viewer = (tenant.user_ids[r] for r in (Role.CSM, Role.AGENT, Role.VIEWER))
    both = _ticket(client, tenant, tags=["zeta", "alpha", "mid"])
    response = client.patch(
        f"/api/v1/tickets/{both['id']}",
        json={"follower_ids": [viewer, csm, agent]},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    neither = _ticket(client, tenant)

    statements.clear()
    got = {
        t["id"]: client.get(f"/api/v1/tickets/{t['id']}", headers=tenant.admin)
        for t in (both, neither)
    }
    reads = _ticket_reads(statements)

    assert all(r.status_code == 200 for r in got.values())
    assert got[both["id"]].json()["tags"] == ["alpha", "mid", "zeta"]
    assert got[both["id"]].json()["follower_ids"] == sorted([viewer, csm, agent])
    assert (got[neither["id"]].json()["tags"], got[neither["id"]].json()["follower_ids"]) == (
        [],
        [],
    )
    with tenant.session() as session:
        for ticket_id, answer in got.items():
            ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
            assert answer.json() == TicketOut.of(ticket).model_dump(mode="json")
    # per ticket: the ticket, its tag values, its follower ids; no tag/follower entities built
    assert len(reads) <= 6, reads
    assert not [s for s in reads if "ticket_tags.id" in s or "ticket_followers.id" in s], reads


def test_thread_answer_is_the_one_its_relationships_give(
    client: TestClient, tenant: Tenant
) -> None:
    first, second, third = (_upload(client, tenant, f"f{n}.txt") for n in range(3))
    ticket = _ticket(client, tenant, attachment_ids=[third, first])
    _reply(client, tenant, ticket["id"], public=False)  # a note without attachments
    _reply(client, tenant, ticket["id"], attachment_ids=[second])

    thread = _thread(client, tenant, ticket["id"])

    items = thread["items"]
    assert [[a["id"] for a in m["attachments"]] for m in items] == [[first, third], [], [second]]
    assert items[0]["attachments"][0] == {
        "id": first,
        "filename": "f0.txt",
        "content_type": "text/plain",
        "size_bytes": len(b"content of f0.txt"),
        "sha256": items[0]["attachments"][0]["sha256"],
        "url": f"/api/v1/attachments/{first}",
    }
    assert len(items[0]["attachments"][0]["sha256"]) == 64
    with tenant.session() as session:
        loaded = session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket["id"])
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
        assert items == [MessageOut.of(m).model_dump(mode="json") for m in loaded]


def test_a_thread_page_costs_the_same_statements_whatever_its_size(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    ticket = _ticket(client, tenant, attachment_ids=[_upload(client, tenant, "d.txt")])
    for n in range(10):
        ids = [_upload(client, tenant, f"r{n}a.txt"), _upload(client, tenant, f"r{n}b.txt")]
        _reply(client, tenant, ticket["id"], attachment_ids=ids)

    statements.clear()
    full = _thread(client, tenant, ticket["id"], limit=10)
    full_page = _ticket_reads(statements)
    statements.clear()
    short = _thread(client, tenant, ticket["id"], limit=2)
    short_page = _ticket_reads(statements)
    statements.clear()
    rest = _thread(client, tenant, ticket["id"], limit=10, cursor=full["next_cursor"])

    assert len(full["items"]) == 10
    assert full["next_cursor"]
    assert [len(m["attachments"]) for m in full["items"]] == [1] + [2] * 9
    assert len(short["items"]) == 2
    assert [len(m["attachments"]) for m in rest["items"]] == [2]
    # the ticket probe, the page, its attachments
    assert len(full_page) <= 3, full_page
    assert len(full_page) == len(short_page), (full_page, short_page)
    # the ticket is probed by id, not loaded; attachments come as values, not entities
    assert not [s for s in full_page if "tickets.subject" in s], full_page
    assert not [s for s in full_page if "ticket_attachments.created_at" in s], full_page


def test_another_workspaces_ticket_or_a_missing_one_is_404(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = _ticket(client, other_tenant)
    for path in (f"/api/v1/tickets/{theirs['id']}", f"/api/v1/tickets/{theirs['id']}/messages"):
        assert_problem(client.get(path, headers=tenant.admin), 404, "not-found")
    for path in ("/api/v1/tickets/999999999", "/api/v1/tickets/999999999/messages"):
        assert_problem(client.get(path, headers=tenant.admin), 404, "not-found")
    # the owner still reads it
    assert _thread(client, other_tenant, theirs["id"])["items"]


def test_another_workspaces_attachment_rows_never_show(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    """An attachment row of another workspace pointing at this workspace's message (which no
    code path writes, but a bad import could) stays out: the plain read is workspace-filtered."""
    ticket = _ticket(client, tenant)
    message_id = _thread(client, tenant, ticket["id"])["items"][0]["id"]
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        session.add(
            TicketAttachment(
                workspace_id=other_tenant.workspace_id,
                message_id=message_id,
                filename="x.txt",
                content_type="text/plain",
                size_bytes=1,
                sha256="0" * 64,
            )
        )

    assert _thread(client, tenant, ticket["id"])["items"][0]["attachments"] == []
