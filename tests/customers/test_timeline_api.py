"""The one timeline: order, cursor pagination, filters, idempotency and identity on intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.problems import assert_problem
from tests.factories import Tenant, at, unique


def _contact(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _record(
    client: TestClient, tenant: Tenant, occurred_at: datetime, **body: Any
) -> dict[str, Any]:
    payload = {"kind": "call", "channel": "phone", "occurred_at": occurred_at.isoformat(), **body}
    response = client.post("/api/v1/interactions", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _walk(client: TestClient, tenant: Tenant, path: str, **params: Any) -> list[list[int]]:
    """Every page of a list, following next_cursor; returns the ids page by page."""
    pages: list[list[int]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=tenant.admin)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "pagination does not end"


def test_contact_timeline_is_newest_first(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Rina")
    old = _record(client, tenant, at(30), contact_id=contact["id"], kind="page.viewed")
    new = _record(client, tenant, at(1), contact_id=contact["id"], kind="purchase")
    middle = _record(client, tenant, at(10), contact_id=contact["id"], kind="email.received")
    body = client.get(f"/api/v1/contacts/{contact['id']}/timeline", headers=tenant.admin).json()
    assert [i["id"] for i in body["items"]] == [new["id"], middle["id"], old["id"]]
    assert body["next_cursor"] is None
    assert body["items"][0]["occurred_at"].startswith("2026-05-31T12:00:00")


def test_pagination_walks_every_item_once_with_equal_timestamps(
    client: TestClient, tenant: Tenant
) -> None:
    contact = _contact(client, tenant, first_name="Tie")
    same_moment = at(5)
    ids = [_record(client, tenant, same_moment, contact_id=contact["id"])["id"] for _ in range(7)]
    ids += [_record(client, tenant, at(6), contact_id=contact["id"])["id"] for _ in range(3)]
    pages = _walk(client, tenant, f"/api/v1/contacts/{contact['id']}/timeline", limit=3)
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    walked = [i for page in pages for i in page]
    assert len(walked) == len(set(walked)) == 10
    assert set(walked) == set(ids)
    # ties on occurred_at are broken by id, in the direction of the sort
    assert walked[:7] == sorted(ids[:7], reverse=True)
    assert walked[7:] == sorted(ids[7:], reverse=True)


def test_sort_occurred_at_is_oldest_first(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Asc")
    made = [_record(client, tenant, at(d), contact_id=contact["id"])["id"] for d in (3, 9, 1, 9)]
    pages = _walk(
        client,
        tenant,
        f"/api/v1/contacts/{contact['id']}/timeline",
        sort="occurred_at",
        limit=2,
    )
    walked = [i for page in pages for i in page]
    assert walked == [made[1], made[3], made[0], made[2]]


def test_account_timeline_includes_its_contacts_touchpoints(
    client: TestClient, tenant: Tenant
) -> None:
    domain = f"{unique('acme')}.io"
    account = client.post(
        "/api/v1/accounts", json={"name": "Acme", "domains": [domain]}, headers=tenant.admin
    ).json()
    person = _contact(client, tenant, emails=[f"wile@{domain}"])
    assert person["account_id"] == account["id"]
    stranger = _contact(client, tenant, emails=["road@runner.example"])
    direct = _record(client, tenant, at(4), account_id=account["id"], kind="meeting")
    via_person = _record(client, tenant, at(2), contact_id=person["id"], kind="email.sent")
    _record(client, tenant, at(3), contact_id=stranger["id"])
    assert via_person["account_id"] == account["id"]
    body = client.get(f"/api/v1/accounts/{account['id']}/timeline", headers=tenant.admin).json()
    assert [i["id"] for i in body["items"]] == [via_person["id"], direct["id"]]


def test_account_timeline_includes_touchpoints_from_before_the_contact_joined(
    client: TestClient, tenant: Tenant
) -> None:
    person = _contact(client, tenant, first_name="Early")
    early = _record(client, tenant, at(9), contact_id=person["id"])
    account = client.post("/api/v1/accounts", json={"name": "Later"}, headers=tenant.admin).json()
    patched = client.patch(
        f"/api/v1/contacts/{person['id']}", json={"account_id": account["id"]}, headers=tenant.admin
    )
    assert patched.status_code == 200
    body = client.get(f"/api/v1/accounts/{account['id']}/timeline", headers=tenant.admin).json()
    assert [i["id"] for i in body["items"]] == [early["id"]]


def test_external_id_makes_recording_idempotent(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Idem")
    first = _record(client, tenant, at(1), contact_id=contact["id"], external_id="zendesk-77")
    again = client.post(
        "/api/v1/interactions",
        json={
            "kind": "call",
            "channel": "phone",
            "occurred_at": at(1).isoformat(),
            "contact_id": contact["id"],
            "external_id": "zendesk-77",
            "summary": "resent with another summary",
        },
        headers=tenant.admin,
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["summary"] == first["summary"]
    timeline = client.get(f"/api/v1/contacts/{contact['id']}/timeline", headers=tenant.admin)
    assert len(timeline.json()["items"]) == 1


def test_identifiers_on_intake_create_then_attach_the_contact(
    client: TestClient, tenant: Tenant
) -> None:
    email = f"{unique('ina')}@example.co.id"
    first = _record(
        client,
        tenant,
        at(2),
        channel="email",
        contact={"emails": [email.upper()]},
    )
    assert first["contact_id"] is not None
    second = _record(
        client,
        tenant,
        at(1),
        channel="chat",
        contact={"emails": [email], "phones": ["+62 812-3456-7890"]},
    )
    assert second["contact_id"] == first["contact_id"]
    contact = client.get(f"/api/v1/contacts/{first['contact_id']}", headers=tenant.admin).json()
    assert contact["emails"] == [email]
    assert contact["phones"] == ["+6281234567890"]
    pages = _walk(client, tenant, f"/api/v1/contacts/{first['contact_id']}/timeline")
    assert pages == [[second["id"], first["id"]]]


def test_intake_needs_a_customer(client: TestClient, tenant: Tenant) -> None:
    base = {"kind": "call", "channel": "phone", "occurred_at": at(1).isoformat()}
    assert_problem(
        client.post("/api/v1/interactions", json=base, headers=tenant.admin),
        422,
        "validation-error",
    )
    both = {**base, "contact_id": 1, "contact": {"emails": ["x@example.org"]}}
    assert_problem(
        client.post("/api/v1/interactions", json=both, headers=tenant.admin),
        422,
        "validation-error",
    )
    unknown_channel = {**base, "channel": "carrier-pigeon", "account_id": 1}
    assert_problem(
        client.post("/api/v1/interactions", json=unknown_channel, headers=tenant.admin),
        422,
        "validation-error",
    )


def test_filters_by_channel_kind_and_time(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Filter")
    cid = contact["id"]
    a = _record(client, tenant, at(10), contact_id=cid, channel="email", kind="email.received")
    b = _record(client, tenant, at(5), contact_id=cid, channel="chat", kind="chat.started")
    c = _record(client, tenant, at(1), contact_id=cid, channel="email", kind="email.sent")

    def ids(**params: Any) -> list[int]:
        response = client.get(
            "/api/v1/interactions", params={"contact_id": cid, **params}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(channel="email") == [c["id"], a["id"]]
    assert ids(kind="chat.started") == [b["id"]]
    assert ids(channel="chat", kind="email.sent") == []
    # occurred_after is inclusive, occurred_before exclusive
    assert ids(occurred_after=at(5).isoformat()) == [c["id"], b["id"]]
    assert ids(occurred_before=at(5).isoformat()) == [a["id"]]
    window = {"occurred_after": at(6).isoformat(), "occurred_before": at(2).isoformat()}
    assert ids(**window) == [b["id"]]
    # the same instant written with another offset selects the same rows
    rome = at(5).astimezone(ZoneInfo("Europe/Rome"))
    assert rome.isoformat().endswith("+02:00")
    assert ids(occurred_after=rome.isoformat()) == [c["id"], b["id"]]


def test_timestamps_are_stored_and_read_back_in_utc(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Zone")
    local = datetime(2026, 3, 1, 16, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    stored = _record(client, tenant, local, contact_id=contact["id"])
    read = client.get(f"/api/v1/interactions/{stored['id']}", headers=tenant.admin).json()
    returned = datetime.fromisoformat(read["occurred_at"])
    assert returned == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert returned.utcoffset() == timedelta(0)


def test_write_response_is_in_utc_too(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Echo")
    local = datetime(2026, 3, 1, 16, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    stored = _record(client, tenant, local, contact_id=contact["id"])
    assert datetime.fromisoformat(stored["occurred_at"]).utcoffset() == timedelta(0)


def test_update_and_delete_an_interaction(client: TestClient, tenant: Tenant) -> None:
    contact = _contact(client, tenant, first_name="Edit")
    made = _record(client, tenant, at(1), contact_id=contact["id"], summary="draft")
    patched = client.patch(
        f"/api/v1/interactions/{made['id']}",
        json={"summary": "final", "sentiment": -0.5, "journey_stage": "onboarding"},
        headers=tenant.admin,
    )
    assert patched.status_code == 200
    assert patched.json()["summary"] == "final"
    assert patched.json()["sentiment"] == -0.5
    assert patched.json()["journey_stage"] == "onboarding"
    out_of_range = client.patch(
        f"/api/v1/interactions/{made['id']}", json={"sentiment": 2}, headers=tenant.admin
    )
    assert_problem(out_of_range, 422, "validation-error")
    assert (
        client.delete(f"/api/v1/interactions/{made['id']}", headers=tenant.admin).status_code == 204
    )
    assert_problem(
        client.get(f"/api/v1/interactions/{made['id']}", headers=tenant.admin), 404, "not-found"
    )


def test_timeline_of_unknown_contact_is_404(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/contacts/999999999/timeline", headers=tenant.admin)
    assert_problem(response, 404, "not-found")
