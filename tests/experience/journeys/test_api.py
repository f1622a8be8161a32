"""Journey routes: definitions (admins, validated, isolated), customers moved by touchpoints,
subscriptions and scores, stage history on the timeline, and the analytics route."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant, unique

SINCE = "2026-01-01T00:00:00Z"
UNTIL = "2026-12-31T00:00:00Z"


def journey(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/journeys", json={"name": "Customer journey", **fields}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def record(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"channel": "email", "kind": "note", "occurred_at": "2026-05-01T10:00:00Z", **fields}
    response = client.post("/api/v1/touchpoints", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def stages_of(client: TestClient, tenant: Tenant, contact_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/contacts/{contact_id}/journeys", headers=tenant.admin)
    assert response.status_code == 200, response.text
    [only] = response.json()
    result: dict[str, Any] = only
    return result


def test_default_journey_has_seven_stages(client: TestClient, tenant: Tenant) -> None:
    created = journey(client, tenant)
    assert [s["key"] for s in created["stages"]] == [
        "awareness",
        "consideration",
        "purchase",
        "onboarding",
        "adoption",
        "renewal",
        "advocacy",
    ]
    listed = client.get("/api/v1/journeys", headers=tenant.headers(Role.VIEWER)).json()
    assert [j["id"] for j in listed] == [created["id"]]


def test_definitions_are_validated_admin_only_and_isolated(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = "/api/v1/journeys"
    two = [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}]
    for bad in (
        {"name": "x", "stages": [{"key": "a", "name": "A"}]},  # one stage
        {"name": "x", "stages": [two[0], two[0]]},  # duplicate keys
        {"name": "x", "stages": [{"key": "Bad Key", "name": "A"}, two[1]]},
        {"name": "x", "stages": [{"key": "a", "name": "A", "rules": [{"on": "track"}]}, two[1]]},
        {"name": "", "stages": two},
    ):
        assert_problem(client.post(url, json=bad, headers=tenant.admin), 422, "validation-error")
    denied = client.post(url, json={"name": "x"}, headers=tenant.headers(Role.CSM))
    assert_problem(denied, 403, "forbidden")
    created = journey(client, tenant, stages=two)
    one = f"{url}/{created['id']}"
    assert_problem(client.get(one, headers=other_tenant.admin), 404, "not-found")
    assert_problem(
        client.put(one, json={"name": "mine", "stages": two}, headers=other_tenant.admin),
        404,
        "not-found",
    )
    assert_problem(client.get(f"{one}/analytics", headers=other_tenant.admin), 404, "not-found")
    renamed = client.put(one, json={"name": "Renamed", "stages": two}, headers=tenant.admin)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"
    audit = client.get(
        f"/api/v1/audit?target_type=journey&target_id={created['id']}", headers=tenant.admin
    )
    assert {e["action"] for e in audit.json()["items"]} >= {"journey.created", "journey.updated"}
    assert client.delete(one, headers=tenant.admin).status_code == 204
    assert_problem(client.get(one, headers=tenant.admin), 404, "not-found")


def test_touchpoints_move_customers_forward_and_onto_the_timeline(
    client: TestClient, tenant: Tenant
) -> None:
    journey(client, tenant)
    person = contact(client, tenant)
    assert stages_of(client, tenant, person["id"])["current"] is None
    record(client, tenant, contact_id=person["id"], channel="in_person", kind="meeting")
    moved = stages_of(client, tenant, person["id"])
    assert moved["current"]["stage_key"] == "consideration"
    record(
        client,
        tenant,
        contact_id=person["id"],
        kind="nps_response",
        score=10,
        occurred_at="2026-06-01T10:00:00Z",
    )
    record(client, tenant, contact_id=person["id"], channel="in_person", kind="meeting")
    history = stages_of(client, tenant, person["id"])["history"]
    assert [(h["stage_key"], h["entered_at"][:10]) for h in history] == [
        ("consideration", "2026-05-01"),
        ("advocacy", "2026-06-01"),
    ]  # the later meeting did not move them back
    timeline = client.get(f"/api/v1/contacts/{person['id']}/timeline", headers=tenant.admin)
    entered = [i for i in timeline.json()["items"] if i["kind"] == "journey_stage_entered"]
    assert [i["journey_stage"] for i in entered] == ["advocacy", "consideration"]
    detractor = contact(client, tenant)
    record(client, tenant, contact_id=detractor["id"], kind="nps_response", score=4)
    assert stages_of(client, tenant, detractor["id"])["current"] is None


def test_a_subscription_moves_the_accounts_people_to_purchase(
    client: TestClient, tenant: Tenant
) -> None:
    journey(client, tenant)
    account = client.post(
        "/api/v1/accounts", json={"name": unique("Acme ")}, headers=tenant.admin
    ).json()
    people = [contact(client, tenant, account_id=account["id"]) for _ in range(2)]
    response = client.post(
        "/api/v1/subscriptions",
        json={
            "account_id": account["id"],
            "plan": "pro",
            "currency": "EUR",
            "mrr_cents": 10_000,
            "started_on": "2026-04-01",
        },
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    for person in people:
        current = stages_of(client, tenant, person["id"])["current"]
        assert (current["stage_key"], current["entered_at"][:10], current["cause"]) == (
            "purchase",
            "2026-04-01",
            "subscription.started",
        )


def test_analytics_route_answers_funnel_paths_and_scores(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = journey(client, tenant)
    first, second, third = (contact(client, tenant) for _ in range(3))
    for person in (first, second):
        record(client, tenant, contact_id=person["id"], channel="in_person", kind="meeting")
    record(
        client,
        tenant,
        contact_id=first["id"],
        kind="nps_response",
        score=9,
        occurred_at="2026-05-11T10:00:00Z",
    )
    record(client, tenant, contact_id=third["id"], kind="nps_response", score=2)
    url = f"/api/v1/journeys/{created['id']}/analytics?since={SINCE}&until={UNTIL}"
    response = client.get(url, headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    body = response.json()
    reached = {s["key"]: s["reached"] for s in body["funnel"]}
    assert (reached["consideration"], reached["purchase"], reached["advocacy"]) == (2, 1, 1)
    [considered] = [s for s in body["funnel"] if s["key"] == "consideration"]
    assert considered["conversion_to_next"] == 0.5
    assert considered["drop_off"] == 1
    [in_consideration] = [t for t in body["time_in_stage"] if t["key"] == "consideration"]
    assert (in_consideration["entered"], in_consideration["left"]) == (2, 1)
    assert in_consideration["median_seconds"] == 10 * 86_400
    assert {n["label"] for n in body["sankey"]["nodes"]} == {"meeting", "nps_response"}
    assert body["sankey"]["links"] == [{"source": 0, "target": 2, "value": 1}]
    assert sorted(tuple(p["steps"]) for p in body["top_paths"]) == [
        ("meeting",),
        ("meeting", "nps_response"),
        ("nps_response",),
    ]
    by_channel = {(c["channel"], c["kind"]): c for c in body["by_channel"]}
    assert by_channel[("email", "nps_response")]["nps"] == 0.0  # one promoter, one detractor
    [advocacy] = [s for s in body["by_stage"] if s["stage"] == "advocacy"]
    assert advocacy["nps"] == 100.0
    assert_problem(
        client.get(f"{url.split('?')[0]}?since={UNTIL}&until={SINCE}", headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.get(f"{url}&parts=everything", headers=tenant.admin), 422, "validation-error"
    )
    assert_problem(client.get(f"{url}&steps=1", headers=tenant.admin), 422, "validation-error")
    funnel_only = client.get(f"{url}&parts=funnel", headers=tenant.admin).json()
    assert funnel_only["funnel"]
    assert funnel_only["sankey"] == {"nodes": [], "links": []}
    assert client.get(url).status_code == 401
