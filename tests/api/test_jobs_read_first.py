"""Jobs that usually find nothing to do read in a read-only session first (ADR 0035): the job's
own (writing) session is then never used, so on SQLite it never takes the write lock. With
nothing to do the writing session has not begun a transaction; with something to do the job
still does it (article uses and playbooks here; topic assignments in
`tests/experience/topics/test_api.py` and `test_classify_job.py`)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE
from cxhub.experience.topics.tasks import CLASSIFY
from cxhub.knowledge.assist.models import ArticleUse
from cxhub.knowledge.assist.tasks import RECORD_USES
from cxhub.service.tickets.events import TicketCreated
from cxhub.success.playbooks.tasks import ON_EVENT
from tests.factories import Tenant, unique
from tests.knowledge.helpers import article

API = "/api/v1"
ACTION = {"type": "create_task", "title": "t"}


def _run(runtime: Runtime, tenant: Tenant, name: str, payload: dict[str, Any]) -> bool:
    """Run job `name` in the writing session a job gets (`core.jobs`: a unit of work) and
    answer whether it used it."""
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        runtime.jobs.get(name)(session, payload)
        return session.in_transaction()


def _ticket(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    contact = client.post(
        f"{API}/contacts",
        json={"first_name": "Ana", "emails": [f"{unique('c')}@example.org"]},
        headers=tenant.admin,
    ).json()["id"]
    response = client.post(
        f"{API}/tickets",
        json={"subject": "Card stuck", "description": "The ATM kept it", "requester_id": contact},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _note(client: TestClient, tenant: Tenant, ticket_id: int, body: str) -> int:
    response = client.post(
        f"{API}/tickets/{ticket_id}/messages",
        json={"body": body, "public": False},
        headers=tenant.headers(Role.AGENT),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_an_agent_message_linking_no_article_never_writes(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)["id"]
    card = article(client, tenant, title="Card swallowed", audience="public")["id"]
    plain = _note(client, tenant, ticket, "Asked the branch to return it")
    payload = {"workspace_id": tenant.workspace_id}
    assert _run(runtime, tenant, RECORD_USES, {**payload, "message_id": plain}) is False

    linking = _note(client, tenant, ticket, f"See /knowledge/articles/{card} for the steps")
    with tenant.session() as session:  # the request's own job recorded it already
        session.execute(ArticleUse.__table__.delete().where(ArticleUse.ticket_id == ticket))
    assert _run(runtime, tenant, RECORD_USES, {**payload, "message_id": linking}) is True
    with tenant.session() as session:
        uses = session.execute(select(ArticleUse.ticket_id, ArticleUse.article_id)).all()
    assert [(int(t), int(a)) for t, a in uses] == [(ticket, card)]


def test_a_message_in_a_workspace_without_topics_is_classified_without_writing(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    messages = client.get(f"{API}/tickets/{ticket['id']}/messages", headers=tenant.admin).json()
    [first] = messages["items"]
    assert first["author_kind"] == "customer"  # a text the job classifies once topics exist
    payload = {
        "workspace_id": tenant.workspace_id,
        "source_type": SOURCE_TICKET_MESSAGE,
        "source_id": first["id"],
    }
    assert _run(runtime, tenant, CLASSIFY, payload) is False


def test_an_event_no_playbook_reacts_to_never_writes(
    client: TestClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    event = TicketCreated(
        workspace_id=tenant.workspace_id,
        ticket_id=ticket["id"],
        number=ticket["number"],
        requester_id=ticket["requester_id"],
        account_id=None,
        channel="api",
        priority="normal",
    )
    payload = {"event": event.name, "data": event.model_dump(mode="json")}
    assert _run(runtime, tenant, ON_EVENT, payload) is False

    # another workspace's playbook, a disabled one and one of another trigger do not count;
    # an enabled one reacting to the event does
    body = {"name": "", "trigger": {"type": "repeated_tickets"}, "actions": [ACTION]}
    cases: list[tuple[Tenant, dict[str, Any], bool]] = [
        (other_tenant, body, False),
        (tenant, {**body, "enabled": False}, False),
        (tenant, {**body, "trigger": {"type": "renewal_due", "days": 30}}, False),
        (tenant, body, True),
    ]
    for owner, playbook, reacts in cases:
        created = client.post(
            f"{API}/playbooks", json={**playbook, "name": unique("pb ")}, headers=owner.admin
        )
        assert created.status_code == 201, created.text
        assert _run(runtime, tenant, ON_EVENT, payload) is reacts
