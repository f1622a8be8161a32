"""The real `segment-analytics-python` client, pointed at cxhub served by uvicorn."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from segment.analytics import Client
from segment.analytics.request import APIError
from sqlalchemy import select

from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.success.usage.models import UsageEvent
from tests.factories import Tenant
from tests.success.usage.conftest import issue_write_key


def test_segment_client_calls_are_stored_and_resolved(
    client: TestClient, tenant: Tenant, live_server: str
) -> None:
    write_key = issue_write_key(client, tenant)
    errors: list[object] = []
    segment = Client(
        write_key,
        host=live_server,
        sync_mode=True,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )
    segment.identify("user-1", {"email": "grace@example.org", "name": "Grace Hopper"})
    segment.group("user-1", "org-42", {"name": "Navy Labs", "plan": "enterprise", "seats": 5})
    segment.track(
        "user-1",
        "Report Built",
        {"format": "pdf"},
        timestamp=datetime(2026, 5, 30, 9, 0, tzinfo=UTC),
        message_id="fixed-message-id",
    )
    segment.track("user-1", "Report Built", {"format": "pdf"}, message_id="fixed-message-id")
    segment.page("user-1", category="Docs", name="Getting started", properties={"path": "/docs"})
    segment.flush()
    assert errors == []
    with tenant.session() as session:
        events = session.scalars(select(UsageEvent).order_by(UsageEvent.id)).all()
        [contact] = session.scalars(select(Contact)).all()
        emails = session.scalars(
            select(ContactIdentifier.value).where(ContactIdentifier.contact_id == contact.id)
        ).all()
        [account] = session.scalars(select(Account)).all()
    assert [(e.type, e.event) for e in events] == [
        ("identify", None),
        ("group", None),
        ("track", "Report Built"),  # the re-sent messageId is stored once
        ("page", "Getting started"),
    ]
    track = events[2]
    assert track.timestamp == datetime(2026, 5, 30, 9, 0, tzinfo=UTC)
    assert track.context["library"]["name"] == "analytics-python"
    assert set(emails) == {"grace@example.org", "user-1"}
    assert (contact.first_name, contact.last_name) == ("Grace", "Hopper")
    assert (account.external_id, account.name, account.tier) == (
        "org-42",
        "Navy Labs",
        "enterprise",
    )
    assert contact.account_id == account.id


def test_segment_client_with_a_wrong_key_is_refused(live_server: str) -> None:
    segment = Client("cxw_" + uuid.uuid4().hex, host=live_server, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as refused:
        segment.track("user-1", "Report Built")
    assert refused.value.status == 401
