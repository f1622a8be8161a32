"""Concurrent erasures in one workspace: a second erasure of the same person waits for the
first and is `409 already-erased` (never a 500), and two first erasures of different people
share one placeholder instead of both creating it (a unique violation on PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.db import unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID
from cxhub.customers.contacts.models import ContactIdentifier
from cxhub.privacy.erasure import AlreadyErased, erase_contact
from cxhub.privacy.models import ErasureRecord
from tests.factories import Tenant


def _contact(client: TestClient, tenant: Tenant, email: str) -> int:
    response = client.post(
        "/api/v1/contacts", json={"first_name": "Twice", "emails": [email]}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _race(runtime: Runtime, tenant: Tenant, first_id: int, second_id: int) -> list[object]:
    """Erase `first_id` and hold the transaction open while `second_id` is erased in another
    one; answers what the second erasure ended with (its record id or the exception)."""
    factory = runtime.session_factory
    data_dir: Path = runtime.settings.data_dir
    first_done, release = threading.Event(), threading.Event()
    outcome: list[object] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with unit_of_work(factory, tenant.workspace_id) as session:
                erase_contact(session, contact_id=first_id, actor_user_id=None, data_dir=data_dir)
                first_done.set()
                release.wait(10)
        except BaseException as error:  # reported by the test
            errors.append(error)
            first_done.set()

    def second() -> None:
        try:
            with unit_of_work(factory, tenant.workspace_id) as session:
                record = erase_contact(
                    session, contact_id=second_id, actor_user_id=None, data_dir=data_dir
                )
                outcome.append(record.id)
        except BaseException as error:  # the outcome under test
            outcome.append(error)

    one = threading.Thread(target=first)
    one.start()
    assert first_done.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # the second is waiting for the first's lock (or about to)
    release.set()
    one.join(20)
    two.join(20)
    assert not one.is_alive()
    assert not two.is_alive()
    assert errors == []
    return outcome


def test_a_concurrent_second_erasure_of_one_person_is_409(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    contact_id = _contact(client, tenant, "twice@example.com")
    [outcome] = _race(runtime, tenant, contact_id, contact_id)
    assert isinstance(outcome, AlreadyErased), outcome
    with tenant.session() as session:
        assert session.scalar(select(func.count(ErasureRecord.id))) == 1


def test_concurrent_first_erasures_share_one_placeholder(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    first = _contact(client, tenant, "first@example.com")
    second = _contact(client, tenant, "second@example.com")
    [outcome] = _race(runtime, tenant, first, second)
    assert isinstance(outcome, int), outcome
    with tenant.session() as session:
        assert session.scalar(select(func.count(ErasureRecord.id))) == 2
        placeholders = session.scalar(
            select(func.count(ContactIdentifier.id)).where(
                ContactIdentifier.value == PLACEHOLDER_EXTERNAL_ID
            )
        )
    assert placeholders == 1
