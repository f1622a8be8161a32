"""POST /contacts/{id}/erase: nothing personal is left anywhere, other people are untouched,
aggregates keep their counts, and the erasure is recorded and audited."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cxhub.cli import app as cli_app
from cxhub.core.permissions import Role
from cxhub.core.redaction import ERASED_MARKER
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.erasure import PLACEHOLDER_EXTERNAL_ID
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.tickets.attachments import AttachmentStore
from cxhub.service.tickets.models import Ticket, TicketMessage
from cxhub.success.usage.erasure import PSEUDONYM_PREFIX
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.privacy.seeding import (
    compact_events,
    parquet_user_ids,
    seed_person,
    traces_of,
    track_later,
)


def _erase(client: TestClient, tenant: Tenant, contact_id: int, **extra: object) -> object:
    return client.post(
        f"/api/v1/contacts/{contact_id}/erase",
        json={"confirm": contact_id, **extra},
        headers=tenant.admin,
    )


def test_erasure_leaves_no_trace_and_keeps_others_and_counts(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    other = seed_person(client, tenant, runtime, first_name="Grace")
    person = seed_person(client, tenant, runtime)
    compact_events(tenant, runtime)
    track_later(client, person)
    track_later(client, other)
    workspace = tenant.workspace_id
    data_dir: Path = runtime.settings.data_dir
    store = AttachmentStore(data_dir / "attachments")

    # The seed really put the person everywhere the search looks.
    before = traces_of(runtime, workspace_id=workspace, needles=person.needles)
    for where in (
        "contacts.last_name",
        "contact_identifiers.value",
        "tickets.subject",
        "ticket_messages.body_text",
        "ticket_attachments.filename",
        "interactions.summary",
        "csat_surveys.comment",
        "inbound_emails.raw",
        "outbound_emails.to",
        "notifications.subject",
        "channel_threads.thread_key",
        "usage_events.anonymous_id",
        "login_failures.email",
        "audit_entries.detail",
        "ticket_search.document",
        "events parquet",
    ):
        assert where in before, f"the seed left nothing in {where}"
    if runtime.engine.dialect.name == "sqlite":
        assert "ticket_search_data (search index)" in before
    assert store.path_for(person.attachment_sha256).exists()
    with tenant.session() as session:
        tickets_before = session.scalar(select(func.count(Ticket.id)))
        messages_before = session.scalar(select(func.count(TicketMessage.id)))
        surveys_before = session.scalar(select(func.count(CsatSurvey.id)))

    response = _erase(client, tenant, person.contact_id, reason="DSR-2026-17")
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["contact_id"] == person.contact_id
    assert set(record["contact_ids"]) == {person.contact_id, person.duplicate_id}
    # The answer is written before the commit; the file part runs after it (a job; the test
    # runtime runs jobs inline right after the commit).
    assert record["status"] == "files_pending"
    shown = client.get(f"/api/v1/privacy/erasures/{record['id']}", headers=tenant.admin).json()
    assert shown["status"] == "complete"
    assert shown["completed_at"] is not None
    counts = shown["counts"]
    assert counts["tickets"] == len(person.ticket_ids) == 3
    assert counts["attachments"] == 1
    assert counts["attachment_files_deleted"] == 1
    assert counts["usage_events_in_files"] == 3
    assert counts["usage_events_in_inbox"] == 1
    assert counts["inbound_emails"] == 2
    assert counts["outbound_emails"] >= 1

    assert traces_of(runtime, workspace_id=workspace, needles=person.needles) == []
    assert not store.path_for(person.attachment_sha256).exists()

    # The other person still has everything.
    still = traces_of(runtime, workspace_id=workspace, needles=other.needles)
    for where in ("contact_identifiers.value", "ticket_messages.body_text", "events parquet"):
        assert where in still
    assert store.path_for(other.attachment_sha256).exists()
    assert other.external_id in parquet_user_ids(data_dir, workspace)
    other_contact = client.get(f"/api/v1/contacts/{other.contact_id}", headers=tenant.admin)
    assert other_contact.status_code == 200
    assert other.email in other_contact.json()["emails"]

    # Counts stay; the tickets now belong to the placeholder and say nothing.
    with tenant.session() as session:
        assert session.scalar(select(func.count(Ticket.id))) == tickets_before
        assert session.scalar(select(func.count(TicketMessage.id))) == messages_before
        assert session.scalar(select(func.count(CsatSurvey.id))) == surveys_before
        erased_tickets = list(
            session.scalars(select(Ticket).where(Ticket.id.in_(person.ticket_ids)))
        )
        assert {t.subject for t in erased_tickets} == {ERASED_MARKER}
        assert len({t.requester_id for t in erased_tickets}) == 1
        bodies = set(
            session.scalars(
                select(TicketMessage.body_text).where(
                    TicketMessage.ticket_id.in_(person.ticket_ids)
                )
            )
        )
        assert bodies == {ERASED_MARKER}
        scores = list(
            session.scalars(
                select(CsatSurvey.score).where(CsatSurvey.ticket_id.in_(person.ticket_ids))
            )
        )
        assert scores == [5]
    placeholder = client.get(
        f"/api/v1/contacts/{erased_tickets[0].requester_id}", headers=tenant.admin
    ).json()
    assert placeholder["external_ids"] == [PLACEHOLDER_EXTERNAL_ID]
    assert any(u.startswith(PSEUDONYM_PREFIX) for u in parquet_user_ids(data_dir, workspace))

    # Gone, recorded, audited; a second request is a clear 409.
    assert (
        client.get(f"/api/v1/contacts/{person.contact_id}", headers=tenant.admin).status_code == 404
    )
    again = _erase(client, tenant, person.contact_id)
    assert_problem(again, 409, "already-erased")
    assert again.json()["erasure_id"] == record["id"]
    via_tombstone = _erase(client, tenant, person.duplicate_id)
    assert_problem(via_tombstone, 409, "already-erased")
    audit = client.get(
        "/api/v1/audit",
        params={"action": "contact.erased", "target_id": person.contact_id},
        headers=tenant.admin,
    ).json()["items"]
    assert len(audit) == 1
    assert audit[0]["detail"]["erasure_id"] == record["id"]
    assert audit[0]["actor_user_id"] == tenant.user_ids[Role.ADMIN]
    listed = client.get("/api/v1/privacy/erasures", headers=tenant.admin).json()["items"]
    assert [e["id"] for e in listed] == [record["id"]]
    assert listed[0]["reason"] == "DSR-2026-17"
    assert listed[0]["counts"] == counts


def test_erasing_twice_the_placeholder_and_unknown_contacts(
    client: TestClient, tenant: Tenant
) -> None:
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Solo", "emails": ["solo@example.com"]},
        headers=tenant.admin,
    ).json()
    assert_problem(_erase(client, tenant, 999_999_999), 404, "not-found")
    first = _erase(client, tenant, contact["id"])
    assert first.status_code == 200, first.text
    assert first.json()["counts"]["tickets"] == 0
    assert_problem(_erase(client, tenant, contact["id"]), 409, "already-erased")


def test_the_placeholder_cannot_be_erased(client: TestClient, tenant: Tenant) -> None:
    requester = client.post(
        "/api/v1/tickets",
        json={"subject": "s", "description": "d", "requester": {"emails": ["p@example.com"]}},
        headers=tenant.admin,
    ).json()["requester_id"]
    assert _erase(client, tenant, requester).status_code == 200
    ticket = client.get("/api/v1/tickets", headers=tenant.admin).json()["items"][0]
    assert_problem(_erase(client, tenant, ticket["requester_id"]), 409, "erased-placeholder")


def test_erase_needs_the_confirmation(client: TestClient, tenant: Tenant) -> None:
    contact = client.post(
        "/api/v1/contacts", json={"first_name": "Kept"}, headers=tenant.admin
    ).json()
    wrong = client.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        json={"confirm": contact["id"] + 1},
        headers=tenant.admin,
    )
    assert_problem(wrong, 422, "validation-error")
    missing = client.post(f"/api/v1/contacts/{contact['id']}/erase", json={}, headers=tenant.admin)
    assert_problem(missing, 422, "validation-error")
    assert client.get(f"/api/v1/contacts/{contact['id']}", headers=tenant.admin).status_code == 200


def test_only_admins_erase(client: TestClient, tenant: Tenant) -> None:
    contact = client.post(
        "/api/v1/contacts", json={"first_name": "Kept"}, headers=tenant.admin
    ).json()
    for role in (Role.AGENT, Role.CSM, Role.ANALYST, Role.VIEWER):
        denied = client.post(
            f"/api/v1/contacts/{contact['id']}/erase",
            json={"confirm": contact["id"]},
            headers=tenant.headers(role),
        )
        assert_problem(denied, 403, "forbidden")
        listed = client.get("/api/v1/privacy/erasures", headers=tenant.headers(role))
        assert_problem(listed, 403, "forbidden")
    assert client.get(f"/api/v1/contacts/{contact['id']}", headers=tenant.admin).status_code == 200


def test_another_workspace_cannot_erase_or_see_erasures(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Theirs", "emails": ["t@example.com"]},
        headers=other_tenant.admin,
    ).json()
    attempt = client.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        json={"confirm": contact["id"]},
        headers=tenant.admin,
    )
    assert_problem(attempt, 404, "not-found")
    erased = _erase(client, other_tenant, contact["id"]).json()
    assert client.get("/api/v1/privacy/erasures", headers=tenant.admin).json()["items"] == []
    hidden = client.get(f"/api/v1/privacy/erasures/{erased['id']}", headers=tenant.admin)
    assert_problem(hidden, 404, "not-found")


def test_cli_erase_confirms_prints_counts_and_refuses_twice(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    person = seed_person(client, tenant, runtime)
    settings = runtime.settings
    assert settings.database_url is not None
    base = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    command = [*base, "privacy", "erase", str(person.contact_id), "-w", tenant.slug]
    runner = CliRunner()
    declined = runner.invoke(cli_app, command, input="n\n")
    assert declined.exit_code == 1
    assert (
        client.get(f"/api/v1/contacts/{person.contact_id}", headers=tenant.admin).status_code == 200
    )
    done = runner.invoke(cli_app, [*command, "--yes", "--reason", "DSR-9"])
    assert done.exit_code == 0, done.output
    assert f"contact {person.contact_id} erased" in done.stdout
    assert "complete" in done.stdout
    counts = json.loads(done.stdout.split("\n", 1)[1])
    assert counts["tickets"] == len(person.ticket_ids)
    assert counts["attachment_files_deleted"] == 1
    assert traces_of(runtime, workspace_id=tenant.workspace_id, needles=person.needles) == []
    again = runner.invoke(cli_app, [*command, "--yes"])
    assert again.exit_code == 1
    assert "was erased on" in again.output


def test_erasure_never_resets_another_workspace_users_login_counter(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    """Counters are installation-wide: erasing a contact that shares a user's address (of any
    workspace) must not reset that user's lockout counter; other counters are forgotten."""
    from datetime import UTC, datetime

    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.people.models import LoginFailure

    victim = f"{Role.ADMIN.value}-{other_tenant.slug}@example.com"
    stranger = "stranger-login@example.com"
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        for email in (victim, stranger):
            session.add(
                LoginFailure(email=email, failure_count=4, last_failed_at=datetime.now(UTC))
            )
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Decoy", "emails": [victim.upper(), stranger]},
        headers=tenant.admin,
    ).json()
    erased = _erase(client, tenant, contact["id"])
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["login_failures"] == 1
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        left = {f.email: f.failure_count for f in session.scalars(select(LoginFailure)).all()}
    assert left.get(victim) == 4
    assert stranger not in left
