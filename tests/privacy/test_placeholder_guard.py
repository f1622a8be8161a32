"""The erased-contact placeholder is read-only: no merge (either side), edit, delete or
identify may touch it, and no input may claim its external id `cxhub:erased-contact`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.customers.contacts.identifiers import (
    PLACEHOLDER_EXTERNAL_ID,
    InvalidIdentifier,
    normalise,
)
from cxhub.customers.contacts.models import Contact, IdentifierKind
from cxhub.customers.timeline.models import Interaction
from cxhub.customers.transfer.contact_prep import fast_normalise
from cxhub.success.usage.validation import InvalidEvent, validate_call
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.success.usage.conftest import basic, issue_write_key


def _placeholder(client: TestClient, tenant: Tenant) -> int:
    """Erase a contact with a touchpoint, so the placeholder exists and holds a row."""
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Gone", "emails": ["gone@example.com"]},
        headers=tenant.admin,
    ).json()
    touch = client.post(
        "/api/v1/interactions",
        json={
            "contact": {"emails": ["gone@example.com"]},
            "kind": "call",
            "channel": "phone",
            "occurred_at": "2026-05-01T10:00:00Z",
            "summary": "called",
        },
        headers=tenant.admin,
    )
    assert touch.status_code in (200, 201), touch.text
    erased = client.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        json={"confirm": contact["id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200, erased.text
    with tenant.session() as session:
        placeholder_id = session.scalar(
            select(Contact.id).where(Contact.first_name == "Erased", Contact.last_name == "contact")
        )
    assert placeholder_id is not None
    return int(placeholder_id)


def _real(client: TestClient, tenant: Tenant, email: str) -> int:
    response = client.post(
        "/api/v1/contacts", json={"first_name": "Real", "emails": [email]}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_the_placeholder_cannot_be_merged_edited_or_deleted(
    client: TestClient, tenant: Tenant
) -> None:
    placeholder = _placeholder(client, tenant)
    real = _real(client, tenant, "real@example.com")
    for winner, loser in ((placeholder, real), (real, placeholder)):
        merged = client.post(
            f"/api/v1/contacts/{winner}/merge", json={"loser_id": loser}, headers=tenant.admin
        )
        assert_problem(merged, 409, "erased-placeholder")
    patched = client.patch(
        f"/api/v1/contacts/{placeholder}",
        json={"emails": ["attach@example.com"]},
        headers=tenant.admin,
    )
    assert_problem(patched, 409, "erased-placeholder")
    deleted = client.delete(f"/api/v1/contacts/{placeholder}", headers=tenant.admin)
    assert_problem(deleted, 409, "erased-placeholder")
    # Nothing moved: the real person is still separate, the placeholder keeps its rows.
    assert client.get(f"/api/v1/contacts/{real}", headers=tenant.admin).json()["id"] == real
    shown = client.get(f"/api/v1/contacts/{placeholder}", headers=tenant.admin).json()
    assert shown["emails"] == []
    assert shown["external_ids"] == [PLACEHOLDER_EXTERNAL_ID]
    with tenant.session() as session:
        kept = session.scalar(
            select(func.count(Interaction.id)).where(Interaction.contact_id == placeholder)
        )
    assert kept == 1


def test_no_input_may_claim_the_placeholder_external_id(client: TestClient, tenant: Tenant) -> None:
    placeholder = _placeholder(client, tenant)
    for body in (
        {"external_ids": [PLACEHOLDER_EXTERNAL_ID], "emails": ["new@example.com"]},
        {"external_ids": [f"  {PLACEHOLDER_EXTERNAL_ID} "]},
    ):
        for path in ("/api/v1/contacts", "/api/v1/contacts/identify"):
            response = client.post(path, json=body, headers=tenant.admin)
            assert_problem(response, 409, "erased-placeholder")
    real = _real(client, tenant, "someone@example.com")
    patched = client.patch(
        f"/api/v1/contacts/{real}",
        json={"external_ids": [PLACEHOLDER_EXTERNAL_ID]},
        headers=tenant.admin,
    )
    assert_problem(patched, 409, "erased-placeholder")
    shown = client.get(f"/api/v1/contacts/{placeholder}", headers=tenant.admin).json()
    assert shown["emails"] == []
    with tenant.session() as session:
        assert session.scalar(select(Contact.id).where(Contact.id == placeholder)) is not None


def test_tracking_calls_cannot_name_the_placeholder(client: TestClient, tenant: Tenant) -> None:
    placeholder = _placeholder(client, tenant)
    key = basic(issue_write_key(client, tenant))
    identify = client.post(
        "/v1/identify",
        json={"userId": PLACEHOLDER_EXTERNAL_ID, "traits": {"email": "hijack@example.com"}},
        headers=key,
    )
    body = assert_problem(identify, 400, "invalid-tracking-call")
    assert "reserved" in body["rejected"][0]["reason"]
    tracked = client.post(
        "/v1/track", json={"userId": PLACEHOLDER_EXTERNAL_ID, "event": "Login"}, headers=key
    )
    assert_problem(tracked, 400, "invalid-tracking-call")
    shown = client.get(f"/api/v1/contacts/{placeholder}", headers=tenant.admin).json()
    assert shown["emails"] == []


def test_identify_resolving_to_the_placeholder_is_refused(
    client: TestClient, tenant: Tenant
) -> None:
    """Defence in depth: even if the placeholder held an input identifier, identify refuses."""
    from cxhub.customers.contacts import service
    from cxhub.customers.contacts.models import ContactIdentifier
    from cxhub.customers.contacts.placeholder import ErasedPlaceholder
    from cxhub.customers.contacts.schemas import ContactCreate

    placeholder = _placeholder(client, tenant)
    with tenant.session() as session:
        session.add(
            ContactIdentifier(
                workspace_id=tenant.workspace_id,
                contact_id=placeholder,
                kind=IdentifierKind.EMAIL,
                value="stale@example.com",
            )
        )
        session.flush()
        with pytest.raises(ErasedPlaceholder):
            service.identify_contact(
                session,
                workspace_id=tenant.workspace_id,
                data=ContactCreate(emails=["stale@example.com", "more@example.com"]),
            )


@pytest.mark.nodb
@pytest.mark.parametrize("value", [PLACEHOLDER_EXTERNAL_ID, f" {PLACEHOLDER_EXTERNAL_ID}"])
def test_imports_refuse_the_reserved_external_id(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="reserved"):
        normalise(IdentifierKind.EXTERNAL_ID, value)
    with pytest.raises(InvalidIdentifier, match="reserved"):
        fast_normalise(IdentifierKind.EXTERNAL_ID, value)
    call: dict[str, Any] = {"type": "track", "userId": value, "event": "Login"}
    with pytest.raises(InvalidEvent, match="reserved"):
        validate_call(call, received_at=datetime.now(UTC))
