"""The Segment-compatible routes (/v1/…) and the write-key administration, through the app."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.permissions import Role
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.success.usage.models import UsageEvent
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.success.usage.conftest import basic, issue_write_key


def _stored(tenant: Tenant) -> list[UsageEvent]:
    with tenant.session() as session:
        return list(session.scalars(select(UsageEvent).order_by(UsageEvent.id)))


def _track(**extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": "u-1",
        "event": "Report Built",
        "messageId": uuid.uuid4().hex,
        "timestamp": "2026-06-01T10:00:00Z",
        **extra,
    }


def test_write_keys_are_shown_once_and_listed_without_the_secret(
    client: TestClient, tenant: Tenant
) -> None:
    key = issue_write_key(client, tenant)
    assert key.startswith("cxw_")
    listed = client.get("/api/v1/tracking/write-keys", headers=tenant.admin).json()
    assert len(listed) == 1
    assert "write_key" not in listed[0]
    assert key.startswith(listed[0]["key_prefix"])


def test_only_admins_configure_write_keys(client: TestClient, tenant: Tenant) -> None:
    for role in (Role.AGENT, Role.CSM, Role.VIEWER):
        response = client.post(
            "/api/v1/tracking/write-keys", json={"name": "x"}, headers=tenant.headers(role)
        )
        assert_problem(response, 403, "forbidden")
    response = client.post("/api/v1/tracking/write-keys", json={"name": ""}, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")


def test_track_with_basic_auth_is_stored(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    call = _track(properties={"format": "pdf"}, context={"ip": "1.2.3.4"})
    response = client.post("/v1/track", json=call, headers=basic(write_key))
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    [event] = _stored(tenant)
    assert (event.type, event.event, event.user_id) == ("track", "Report Built", "u-1")
    assert event.message_id == call["messageId"]
    assert event.properties == {"format": "pdf"}
    assert event.context == {"ip": "1.2.3.4"}


def test_write_key_in_the_body_and_gzip_are_accepted(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    body = json.dumps({"batch": [_track(), _track()], "writeKey": write_key}).encode()
    response = client.post(
        "/v1/batch",
        content=gzip.compress(body),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert len(_stored(tenant)) == 2


def test_a_resent_message_id_is_stored_once(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    call = _track()
    for _ in range(2):
        response = client.post("/v1/batch", json={"batch": [call]}, headers=basic(write_key))
        assert response.status_code == 200
    assert len(_stored(tenant)) == 1


def test_a_batch_stores_the_good_events_and_lists_the_rejected(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    bad_user = _track(userId=None)
    bad_time = _track(timestamp="31/12/2026")
    oversized = _track(properties={"blob": "x" * 33_000})
    batch = [_track(), bad_user, _track(), bad_time, oversized]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(write_key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == [1, 3, 4]
    assert rejected[1]["messageId"] == bad_user["messageId"]
    assert "userId" in rejected[1]["reason"]
    assert "ISO-8601" in rejected[3]["reason"]
    assert "32 KB" in rejected[4]["reason"]
    assert len(_stored(tenant)) == 2


def test_a_deeply_nested_event_is_rejected_alone_and_a_deeper_body_is_a_400(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    deep: Any = 1
    for _ in range(600):  # parsed by orjson (limit 1024), too deep for its encoder (255)
        deep = {"a": deep}
    batch = [_track(), _track(properties=deep), _track(context=deep)]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(write_key))
    assert response.status_code == 200, response.text
    assert [r["index"] for r in response.json()["rejected"]] == [1, 2]
    assert "nests deeper" in response.json()["rejected"][0]["reason"]
    assert len(_stored(tenant)) == 1
    depth = 5_000  # past both parsers (and under 32 KB): nothing of the body can be read
    body = b'{"batch": [' + b'{"a":' * depth + b"1" + b"}" * depth + b"]}"
    for path in ("/v1/batch", "/v1/track"):
        refused = client.post(path, content=body, headers=basic(write_key))
        assert "nests too deeply" in assert_problem(refused, 400, "invalid-tracking-call")["detail"]


def test_a_fully_invalid_request_is_a_400_problem(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    response = client.post(
        "/v1/batch", json={"batch": [_track(event="")]}, headers=basic(write_key)
    )
    body = assert_problem(response, 400, "invalid-tracking-call")
    assert body["rejected"][0]["index"] == 0
    for content in (b"not json", b"[]", b'{"batch": []}'):
        response = client.post("/v1/batch", content=content, headers=basic(write_key))
        assert_problem(response, 400, "invalid-tracking-call")
    too_big = {"batch": [_track(properties={"x": "y" * 20_000}) for _ in range(30)]}
    assert_problem(
        client.post("/v1/batch", json=too_big, headers=basic(write_key)),
        400,
        "invalid-tracking-call",
    )
    assert _stored(tenant) == []


def test_wrong_missing_or_revoked_keys_are_401(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    assert_problem(client.post("/v1/track", json=_track()), 401, "unauthenticated")
    response = client.post("/v1/track", json=_track(), headers=basic("cxw_not-a-key"))
    assert_problem(response, 401, "unauthenticated")
    response = client.post("/v1/track", json=_track(), headers=tenant.admin)  # a Bearer token
    assert_problem(response, 401, "unauthenticated")
    key_id = client.get("/api/v1/tracking/write-keys", headers=tenant.admin).json()[0]["id"]
    assert client.post("/v1/track", json=_track(), headers=basic(write_key)).status_code == 200
    response = client.delete(f"/api/v1/tracking/write-keys/{key_id}", headers=tenant.admin)
    assert response.status_code == 204
    response = client.post("/v1/track", json=_track(), headers=basic(write_key))
    assert_problem(response, 401, "unauthenticated")
    assert len(_stored(tenant)) == 1


def test_events_land_in_the_key_owners_workspace_only(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, write_key: str
) -> None:
    other_key = issue_write_key(client, other_tenant)
    call = _track()
    assert client.post("/v1/track", json=call, headers=basic(write_key)).status_code == 200
    assert client.post("/v1/track", json=call, headers=basic(other_key)).status_code == 200
    assert len(_stored(tenant)) == 1
    assert len(_stored(other_tenant)) == 1


def test_identify_resolves_the_contact_and_fills_blank_fields(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    call = {
        "userId": "user-42",
        "traits": {"email": "Ada@Example.org", "name": "Ada Lovelace", "phone": "+44 20 7946 0000"},
        "context": {"locale": "en-GB", "timezone": "Europe/London"},
    }
    assert client.post("/v1/identify", json=call, headers=basic(write_key)).status_code == 200
    with tenant.session() as session:
        [contact] = session.scalars(select(Contact)).all()
        identifiers = {(i.kind.value, i.value) for i in session.scalars(select(ContactIdentifier))}
    assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")
    assert (contact.locale, contact.time_zone) == ("en-GB", "Europe/London")
    assert identifiers == {
        ("external_id", "user-42"),
        ("email", "ada@example.org"),
        ("phone", "+442079460000"),
    }
    renamed = {"userId": "user-42", "traits": {"name": "Someone Else"}}
    assert client.post("/v1/identify", json=renamed, headers=basic(write_key)).status_code == 200
    with tenant.session() as session:
        assert session.scalar(select(Contact.first_name)) == "Ada"  # only blank fields fill


def test_an_identify_with_a_bad_email_is_rejected_in_its_batch(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    batch = [
        {"type": "identify", "userId": "u-9", "traits": {"email": "not-an-email"}},
        _track(),
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(write_key))
    assert response.status_code == 200, response.text
    assert [r["index"] for r in response.json()["rejected"]] == [0]
    assert [e.type for e in _stored(tenant)] == ["track"]


def test_group_creates_the_account_and_links_the_contact(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    call = {
        "userId": "user-7",
        "groupId": "org-1",
        "traits": {"name": "Initech", "industry": "Software", "plan": "pro", "seats": 25},
    }
    assert client.post("/v1/group", json=call, headers=basic(write_key)).status_code == 200
    with tenant.session() as session:
        [account] = session.scalars(select(Account)).all()
        [contact] = session.scalars(select(Contact)).all()
    assert (account.name, account.external_id, account.industry, account.tier) == (
        "Initech",
        "org-1",
        "Software",
        "pro",
    )
    assert account.custom_attributes == {"seats": 25}
    assert contact.account_id == account.id
    again = {"userId": "user-8", "groupId": "org-1", "traits": {"plan": "enterprise"}}
    assert client.post("/v1/group", json=again, headers=basic(write_key)).status_code == 200
    with tenant.session() as session:
        assert session.scalar(select(Account.tier)) == "enterprise"
        assert len(session.scalars(select(Account)).all()) == 1
        assert set(session.scalars(select(Contact.account_id))) == {account.id}


def test_each_write_key_is_rate_limited(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, write_key: str
) -> None:
    from cxhub.success.usage.api import IngestState, ingest_state

    app: Any = client.app
    generous = ingest_state(app)
    app.state.usage_ingest = IngestState(requests_per_minute=2)
    try:
        for _ in range(2):
            assert (
                client.post("/v1/track", json=_track(), headers=basic(write_key)).status_code == 200
            )
        response = client.post("/v1/track", json=_track(), headers=basic(write_key))
        assert_problem(response, 429, "rate-limited")
        assert int(response.headers["Retry-After"]) >= 1
        other_key = issue_write_key(client, other_tenant)  # another key has its own allowance
        assert client.post("/v1/track", json=_track(), headers=basic(other_key)).status_code == 200
    finally:
        app.state.usage_ingest = generous
    assert len(_stored(tenant)) == 2


def test_concurrent_batches_are_all_stored_and_a_refused_one_frees_the_turn(
    client: TestClient, tenant: Tenant, write_key: str, live_server: str
) -> None:
    """Requests take turns on SQLite (api._ingest): concurrent batches, some refused whole, all
    answer at once and every good call is committed before its 200."""
    import httpx

    good = [[_track() for _ in range(20)] for _ in range(8)]
    bad = [[{"type": "track"}] for _ in range(4)]  # no user, no event: a 400 each
    statuses: list[int] = []

    def send(calls: list[dict[str, Any]]) -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            response = http.post("/v1/batch", json={"batch": calls}, headers=basic(write_key))
            statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(calls,)) for calls in good + bad]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 8 + [400] * 4
    stored = {event.message_id for event in _stored(tenant)}
    assert stored == {call["messageId"] for calls in good for call in calls}


def test_timestamps_are_stored_as_sqlalchemy_text_even_before_year_1000(
    client: TestClient, tenant: Tenant, write_key: str
) -> None:
    """The driver-level insert writes the text SQLAlchemy would (four-digit year), so reads and
    range filters agree with ORM-written rows."""
    call = _track(timestamp="0005-01-02T03:04:05.000006Z")
    assert client.post("/v1/track", json=call, headers=basic(write_key)).status_code == 200
    moment = datetime(5, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    [event] = _stored(tenant)
    assert event.timestamp == moment
    with tenant.session() as session:
        before_1000 = select(UsageEvent.id).where(
            UsageEvent.timestamp < datetime(1000, 1, 1, tzinfo=UTC)
        )
        assert session.scalars(before_1000).all() == [event.id]
