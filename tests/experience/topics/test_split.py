"""Splitting a topic: re-clustering a mixed topic into sub-topics, moving chosen texts to a new
topic, classification into the new topics afterwards, validation, permissions, isolation.

The mixed topic is made by merging the discovered refund and delivery topics (16 texts), so
the right split is known: the eight refund texts and the eight delivery texts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from tests.api.problems import assert_problem
from tests.experience.topics.conftest import API, THEMES, create_ticket, discover, topics_by_theme
from tests.factories import Tenant, make_tenant


def _mixed(client: TestClient, tenant: Tenant) -> tuple[int, dict[str, set[int]]]:
    """A tenant with the refund and delivery topics merged: (topic id, ticket ids per theme)."""
    themes = {t: THEMES[t] for t in ("refund", "delivery")}
    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in themes.items()}
    discover(client, tenant, k=2)
    topics = topics_by_theme(client, tenant, tickets)
    refund, delivery = topics["refund"]["id"], topics["delivery"]["id"]
    assert refund != delivery
    merged = client.post(
        f"{API}/topics/{delivery}/merge", json={"into_topic_id": refund}, headers=tenant.admin
    )
    assert merged.json()["size"] == 16
    return refund, {theme: {t["id"] for t in rows} for theme, rows in tickets.items()}


def _examples(client: TestClient, tenant: Tenant, topic_id: int) -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/topics/{topic_id}/examples", params={"limit": 20}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    examples: list[dict[str, Any]] = response.json()
    return examples


def _classify(client: TestClient, tenant: Tenant, text: str) -> int | None:
    answer = client.post(f"{API}/topics/classify", json={"texts": [text]}, headers=tenant.admin)
    topic_id: int | None = answer.json()[0]["topic_id"]
    return topic_id


@pytest.fixture
def mixed(client: TestClient, runtime: Runtime) -> tuple[Tenant, int, dict[str, set[int]]]:
    tenant = make_tenant(runtime)
    topic_id, tickets = _mixed(client, tenant)
    return tenant, topic_id, tickets


def test_reclustering_separates_the_two_issues(
    client: TestClient, mixed: tuple[Tenant, int, dict[str, set[int]]]
) -> None:
    tenant, topic_id, tickets = mixed
    client.patch(f"{API}/topics/{topic_id}", json={"name": "Orders"}, headers=tenant.admin)
    response = client.post(
        f"{API}/topics/{topic_id}/split", json={"k": 2}, headers=tenant.headers(Role.AGENT)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    [created] = body["created"]
    assert body["topic"]["id"] == topic_id
    assert body["topic"]["name"] == "Orders"  # the kept part keeps the team's name
    assert created["name"] is None
    assert created["status"] == "active"
    assert body["topic"]["size"] + created["size"] == 16
    assert body["texts_moved"] == created["size"]
    parts = {
        topic_id: {e["ticket_id"] for e in _examples(client, tenant, topic_id)},
        created["id"]: {e["ticket_id"] for e in _examples(client, tenant, created["id"])},
    }
    assert sorted(map(frozenset, parts.values()), key=min) == sorted(
        map(frozenset, tickets.values()), key=min
    )
    delivery_part = next(i for i, ids in parts.items() if ids == tickets["delivery"])
    refund_part = next(i for i, ids in parts.items() if ids == tickets["refund"])
    # the new signatures classify new texts
    assert (
        _classify(client, tenant, "the courier lost my parcel, delivery is late") == delivery_part
    )
    assert _classify(client, tenant, "where is the refund for my broken order") == refund_part
    listed = {t["id"]: t for t in client.get(f"{API}/topics", headers=tenant.admin).json()}
    assert {listed[topic_id]["texts"], listed[created["id"]]["texts"]} == {8}
    audit = client.get(f"{API}/audit", params={"action": "topic.split"}, headers=tenant.admin)
    [entry] = audit.json()["items"]
    assert entry["detail"]["mode"] == "recluster"


def test_moving_chosen_texts_makes_a_named_topic(
    client: TestClient, mixed: tuple[Tenant, int, dict[str, set[int]]]
) -> None:
    tenant, topic_id, tickets = mixed
    chosen = [
        {"source_type": e["source_type"], "source_id": e["source_id"]}
        for e in _examples(client, tenant, topic_id)
        if e["ticket_id"] in tickets["delivery"]
    ]
    assert len(chosen) == 8
    response = client.post(
        f"{API}/topics/{topic_id}/split",
        json={"texts": chosen, "name": " Late  deliveries "},
        headers=tenant.headers(Role.AGENT),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    [created] = body["created"]
    assert (created["name"], created["size"], body["texts_moved"]) == ("Late deliveries", 8, 8)
    assert body["topic"]["size"] == 8
    moved = {e["ticket_id"] for e in _examples(client, tenant, created["id"])}
    assert moved == tickets["delivery"]
    assert {e["ticket_id"] for e in _examples(client, tenant, topic_id)} == tickets["refund"]
    assert _classify(client, tenant, "my parcel delivery is late again") == created["id"]
    assert _classify(client, tenant, "refund still not received") == topic_id
    # a named topic survives a new discovery (the team's work is kept)
    discover(client, tenant, k=2)
    again = {t["id"]: t for t in client.get(f"{API}/topics", headers=tenant.admin).json()}
    assert again[created["id"]]["name"] == "Late deliveries"


def test_bad_splits_are_problems(
    client: TestClient, mixed: tuple[Tenant, int, dict[str, set[int]]]
) -> None:
    tenant, topic_id, _ = mixed
    url, headers = f"{API}/topics/{topic_id}/split", tenant.admin
    examples = _examples(client, tenant, topic_id)
    every = [{"source_type": e["source_type"], "source_id": e["source_id"]} for e in examples]
    one = every[:1]
    bodies: list[dict[str, Any]] = [
        {},
        {"k": 2, "texts": one},
        {"k": 1},
        {"k": 11},
        {"k": 2, "name": "x"},
        {"texts": []},
        {"texts": [{"source_type": "ticket", "source_id": 1}]},
        {"texts": one, "name": ""},
    ]
    for body in bodies:
        assert_problem(client.post(url, json=body, headers=headers), 422, "validation-error")
    stranger = [{"source_type": "ticket_message", "source_id": 10**9}]
    assert_problem(
        client.post(url, json={"texts": stranger}, headers=headers), 422, "validation-error"
    )
    assert len(every) == 16
    assert_problem(
        client.post(url, json={"texts": every}, headers=headers), 422, "validation-error"
    )
    assert_problem(client.post(url, json={"k": 9}, headers=headers), 422, "validation-error")
    assert_problem(
        client.post(f"{API}/topics/999999999/split", json={"k": 2}, headers=headers),
        404,
        "not-found",
    )


def test_viewers_and_other_workspaces_cannot_split(
    client: TestClient, mixed: tuple[Tenant, int, dict[str, set[int]]], other_tenant: Tenant
) -> None:
    tenant, topic_id, _ = mixed
    url = f"{API}/topics/{topic_id}/split"
    assert_problem(
        client.post(url, json={"k": 2}, headers=tenant.headers(Role.VIEWER)), 403, "forbidden"
    )
    assert_problem(client.post(url, json={"k": 2}, headers=other_tenant.admin), 404, "not-found")
    listed = client.get(f"{API}/topics", headers=tenant.admin).json()
    assert len(listed) == 1  # nothing was split


def test_a_merged_topic_cannot_be_split(client: TestClient, tenant: Tenant) -> None:
    themes = {t: THEMES[t] for t in ("refund", "password", "delivery")}
    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in themes.items()}
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    gone, kept = topics["delivery"]["id"], topics["refund"]["id"]
    client.post(f"{API}/topics/{gone}/merge", json={"into_topic_id": kept}, headers=tenant.admin)
    assert_problem(
        client.post(f"{API}/topics/{gone}/split", json={"k": 2}, headers=tenant.admin),
        422,
        "validation-error",
    )


def test_identical_texts_cannot_be_reclustered(client: TestClient, tenant: Tenant) -> None:
    for _ in range(12):
        create_ticket(client, tenant, "Refund please, the order arrived broken")
    for text in THEMES["password"]:
        create_ticket(client, tenant, text)
    discover(client, tenant, k=2)
    topics = client.get(f"{API}/topics", headers=tenant.admin).json()
    same = next(t for t in topics if "refund" in " ".join(t["keywords"]))
    assert_problem(
        client.post(f"{API}/topics/{same['id']}/split", json={"k": 2}, headers=tenant.admin),
        422,
        "validation-error",
    )
