"""Touchpoint routes: record (any kind, with score), call logs, imports with per-row errors,
validation, permissions, workspace isolation, the timeline, erasure and export."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

AT = "2026-05-04T10:00:00+02:00"


def contact(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Ana", "emails": [f"{unique('c')}@example.com"], **fields}
    response = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def touchpoint(client: TestClient, tenant: Tenant, **fields: Any) -> Any:
    body = {"channel": "email", "kind": "nps_response", "occurred_at": AT, **fields}
    return client.post("/api/v1/touchpoints", json=body, headers=tenant.headers(Role.AGENT))


def test_record_a_scored_touchpoint_on_the_timeline(client: TestClient, tenant: Tenant) -> None:
    person = contact(client, tenant)
    created = touchpoint(
        client, tenant, contact_id=person["id"], score=9, text="Great", external_id="nps-1"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["score"], body["channel"], body["occurred_at"][:19]) == (
        9,
        "email",
        "2026-05-04T08:00:00",
    )
    again = touchpoint(client, tenant, contact_id=person["id"], score=2, external_id="nps-1")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["score"] == 9  # the stored one, not overwritten
    timeline = client.get(f"/api/v1/contacts/{person['id']}/timeline", headers=tenant.admin)
    kinds = [(i["kind"], i["source_type"]) for i in timeline.json()["items"]]
    assert ("nps_response", "touchpoint") in kinds
    listed = client.get(
        f"/api/v1/touchpoints?contact_id={person['id']}", headers=tenant.headers(Role.VIEWER)
    )
    assert [t["id"] for t in listed.json()] == [body["id"]]


def test_bad_touchpoints_are_4xx_problems(client: TestClient, tenant: Tenant) -> None:
    assert_problem(touchpoint(client, tenant, channel="pigeon"), 422, "validation-error")
    assert_problem(touchpoint(client, tenant, score=11), 422, "validation-error")
    assert_problem(touchpoint(client, tenant, sentiment=-1.5), 422, "validation-error")
    assert_problem(
        touchpoint(client, tenant, occurred_at="2026-05-04T10:00:00"), 422, "validation-error"
    )
    assert_problem(touchpoint(client, tenant, colour="red"), 422, "validation-error")
    assert_problem(touchpoint(client, tenant, contact_id=10**9), 404, "not-found")


def test_permissions_and_workspace_isolation(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    body = {"channel": "email", "kind": "x", "occurred_at": AT}
    denied = client.post("/api/v1/touchpoints", json=body, headers=tenant.headers(Role.VIEWER))
    assert_problem(denied, 403, "forbidden")
    assert client.get("/api/v1/touchpoints").status_code == 401
    created = touchpoint(client, tenant, contact_id=contact(client, tenant)["id"])
    assert created.status_code == 201
    touchpoint_id = created.json()["id"]
    url = f"/api/v1/touchpoints/{touchpoint_id}"
    assert_problem(client.get(url, headers=other_tenant.admin), 404, "not-found")
    assert_problem(client.delete(url, headers=other_tenant.admin), 404, "not-found")
    assert client.get("/api/v1/touchpoints", headers=other_tenant.admin).json() == []
    foreign = touchpoint(client, other_tenant, contact_id=contact(client, tenant)["id"])
    assert_problem(foreign, 404, "not-found")
    assert client.delete(url, headers=tenant.headers(Role.AGENT)).status_code == 204
    assert_problem(client.get(url, headers=tenant.admin), 404, "not-found")


def test_log_a_call_creates_the_known_person(client: TestClient, tenant: Tenant) -> None:
    email = f"{unique('caller')}@example.com"
    response = client.post(
        "/api/v1/touchpoints/calls",
        json={
            "occurred_at": AT,
            "direction": "inbound",
            "duration_seconds": 320,
            "notes": "Asked about the renewal",
            "participants": ["Ana", "CSM Bo"],
            "contact_email": email,
        },
        headers=tenant.headers(Role.CSM),
    )
    assert response.status_code == 201, response.text
    assert response.json()["recorded"] == 1
    [call] = client.get("/api/v1/touchpoints?kind=call", headers=tenant.admin).json()
    assert call["channel"] == "phone"
    assert call["contact_id"] is not None
    assert call["details"] == {
        "participants": ["Ana", "CSM Bo"],
        "direction": "inbound",
        "duration_seconds": 320,
    }
    bad = client.post(
        "/api/v1/touchpoints/calls",
        json={"occurred_at": AT, "contact_email": "not an email"},
        headers=tenant.admin,
    )
    assert_problem(bad, 422, "validation-error")


CALLS_CSV = """kind,occurred_at,direction,duration_seconds,notes,participants,contact_email,external_id
call,2026-05-01T09:00:00Z,outbound,600,Kick-off,Ana; Bo,{a},call-1
call,2026-05-01T10:00:00Z,sideways,60,,,{a},call-2
meeting,not a date,,,,,{a},call-3
meeting,2026-05-02T15:00:00Z,,3600,QBR,,{b},call-4
call,2026-05-03T09:00:00Z,inbound,ten,,,{a},call-5
"""


def test_import_calls_keeps_good_rows_and_reports_bad_ones(
    client: TestClient, tenant: Tenant
) -> None:
    csv_text = CALLS_CSV.format(a=f"{unique('a')}@example.com", b=f"{unique('b')}@example.com")
    url = "/api/v1/touchpoints/import/calls"
    response = client.post(url, json={"csv": csv_text}, headers=tenant.headers(Role.AGENT))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["received"], report["recorded"], report["duplicates"]) == (5, 2, 0)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "direction"),
        (3, "occurred_at"),
        (5, "duration_seconds"),
    ]
    meetings = client.get("/api/v1/touchpoints?kind=meeting", headers=tenant.admin).json()
    assert [(m["channel"], m["details"]["duration_seconds"]) for m in meetings] == [
        ("in_person", 3600)
    ]
    again = client.post(url, json={"csv": csv_text}, headers=tenant.admin).json()
    assert (again["recorded"], again["duplicates"], len(again["errors"])) == (0, 2, 3)
    assert_problem(client.post(url, json={}, headers=tenant.admin), 422, "validation-error")
    too_wide = {"rows": [{"kind": "call"}], "csv": "kind\ncall\n"}
    assert_problem(client.post(url, json=too_wide, headers=tenant.admin), 422, "validation-error")
    viewer = client.post(url, json={"rows": []}, headers=tenant.headers(Role.VIEWER))
    assert_problem(viewer, 403, "forbidden")


def test_import_mentions_resolves_authors_and_analyses_text(
    client: TestClient, tenant: Tenant
) -> None:
    handle = unique("ana")
    known = contact(client, tenant, social_handles=[f"twitter:@{handle}"])
    rows = [
        {
            "author": f"@{handle}",
            "network": "Twitter",
            "url": "https://x.example/1",
            "text": "My card still hasn't arrived, this is awful",
            "occurred_at": "2026-05-01T08:00:00Z",
            "external_id": f"tw-{handle}",
        },
        {
            "author": "@stranger",
            "network": "instagram",
            "text": "Grazie, tutto perfetto!",
            "occurred_at": "2026-05-01T09:00:00Z",
        },
        {"author": "@x", "network": "twitter", "occurred_at": "2026-05-01T09:00:00Z"},
        {"author": "@y", "network": "twitter", "text": "hi", "occurred_at": "yesterday"},
    ]
    response = client.post(
        "/api/v1/touchpoints/import/mentions", json={"rows": rows}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["recorded"] == 2
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "text"), (4, "occurred_at")]
    mentions = client.get("/api/v1/touchpoints?kind=mention", headers=tenant.admin).json()
    by_author = {m["details"]["author"]: m for m in mentions}
    mine = by_author[f"@{handle}"]
    assert mine["contact_id"] == known["id"]
    assert (mine["language"], mine["details"]["sentiment"]) == ("en", "negative")
    assert mine["sentiment"] < 0
    assert mine["details"]["topics"]  # the card-arrival topic of the shipped model
    stranger = by_author["@stranger"]
    assert stranger["contact_id"] is None
    assert (stranger["language"], stranger["details"]["sentiment"]) == ("it", "positive")
    analyses = client.get(f"/api/v1/contacts/{known['id']}/text-analyses", headers=tenant.admin)
    assert [a["source_type"] for a in analyses.json()["items"]] == ["touchpoint_mention"]


def test_erasure_blanks_touchpoints_and_export_lists_them(
    client: TestClient, tenant: Tenant
) -> None:
    person = contact(client, tenant)
    created = touchpoint(
        client,
        tenant,
        contact_id=person["id"],
        score=3,
        text="Call me at +39 333 1234567",
        details={"url": "https://example.com/ana"},
        external_id=unique("ext"),
    )
    assert created.status_code == 201
    exported = client.get(f"/api/v1/contacts/{person['id']}/export", headers=tenant.admin)
    assert exported.status_code == 200, exported.text
    [item] = exported.json()["touchpoints"]
    assert item["text"] == "Call me at +39 333 1234567"
    assert "journey_stages" in exported.json()
    erased = client.post(
        f"/api/v1/contacts/{person['id']}/erase",
        json={"confirm": person["id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["touchpoints"] == 1
    kept = client.get(f"/api/v1/touchpoints/{created.json()['id']}", headers=tenant.admin).json()
    assert (kept["text"], kept["details"], kept["external_id"]) == ("", {}, None)
    assert kept["score"] == 3
    assert kept["contact_id"] != person["id"]
