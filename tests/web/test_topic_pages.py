"""The topic explorer pages: list with counts, sparkline and trending badge; a topic's page
names, ignores and merges; viewers read only; every UI language; another workspace gets 404."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.experience.topics.conftest import Seeded, seeded
from tests.factories import Tenant
from tests.web.conftest import MakeUser, sign_in

__all__ = ["seeded"]  # a fixture used below

__all__ = ["seeded"]


def test_the_list_shows_volume_trend_and_negative_share(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/experience/topics", headers=seeded.tenant.headers(Role.VIEWER))
    assert page.status_code == 200, page.text
    rows = re.findall(r'<tr data-topic="(\d+)"', page.text)
    assert {int(r) for r in rows} == {t["id"] for t in seeded.topics.values()}
    series = re.findall(r'data-daily="([\d,]+)"', page.text)
    assert len(series) == 3
    assert sum(sum(int(c) for c in s.split(",")) for s in series) >= 24
    assert all(len(s.split(",")) == 35 for s in series)
    assert page.text.count('data-flag="trending"') == 3  # everything arrived this week
    assert 'id="topics-discover"' not in page.text  # viewers do not change topics
    assert seeded.topics["refund"]["display_name"] in page.text


def test_a_topic_page_quotes_examples_and_other_workspaces_get_404(
    client: TestClient, seeded: Seeded, other_tenant: Tenant
) -> None:
    topic = seeded.topics["password"]
    page = client.get(f"/experience/topics/{topic['id']}", headers=seeded.tenant.admin)
    assert page.status_code == 200
    assert page.text.count("<blockquote") == 5
    assert "password" in page.text.lower()
    assert 'id="topic-merge"' in page.text
    elsewhere = client.get(f"/experience/topics/{topic['id']}", headers=other_tenant.admin)
    assert elsewhere.status_code == 404


def test_agents_rename_ignore_and_merge_by_form(client: TestClient, tenant: Tenant) -> None:
    from tests.experience.topics.conftest import THEMES, create_ticket, discover, topics_by_theme

    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in THEMES.items()}
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    agent = tenant.headers(Role.AGENT)
    refund, delivery = topics["refund"]["id"], topics["delivery"]["id"]
    renamed = client.post(f"/experience/topics/{refund}/name", data={"name": "Refunds"},
                          headers=agent, follow_redirects=False)  # fmt: skip
    assert renamed.status_code == 303
    assert "<h1 id=\"topic-name\">Refunds</h1>" in client.get(
        f"/experience/topics/{refund}", headers=agent).text  # fmt: skip
    ignored = client.post(f"/experience/topics/{delivery}/status", data={"status": "ignored"},
                          headers=agent, follow_redirects=False)  # fmt: skip
    assert ignored.status_code == 303
    listing = client.get("/experience/topics", headers=agent).text
    assert f'data-topic="{delivery}" data-status="ignored"' in listing
    merged = client.post(f"/experience/topics/{delivery}/merge",
                         data={"into_topic_id": str(refund)}, headers=agent,
                         follow_redirects=False)  # fmt: skip
    assert merged.headers["location"] == f"/experience/topics/{refund}"
    assert f'data-topic="{delivery}"' not in client.get("/experience/topics", headers=agent).text
    viewer = client.post(f"/experience/topics/{refund}/name", data={"name": "x"},
                         headers=tenant.headers(Role.VIEWER), follow_redirects=False)  # fmt: skip
    assert viewer.status_code == 403


@pytest.mark.parametrize(
    ("locale", "heading"),
    [("en", "Topic explorer"), ("it", "Esplora argomenti"), ("zh", "话题浏览"),
     ("id", "Penjelajah topik")],
)  # fmt: skip
def test_the_explorer_speaks_every_language(
    web: TestClient, tenant: Tenant, make_user: MakeUser, locale: str, heading: str
) -> None:
    user = make_user(tenant, locale=locale)
    assert sign_in(web, user).status_code == 303
    page = web.get("/experience/topics")
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text


def test_agents_split_a_topic_by_form(client: TestClient, tenant: Tenant) -> None:
    from tests.experience.topics.conftest import THEMES, create_ticket, discover, topics_by_theme

    themes = {t: THEMES[t] for t in ("refund", "delivery")}
    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in themes.items()}
    discover(client, tenant, k=2)
    topics = topics_by_theme(client, tenant, tickets)
    agent = tenant.headers(Role.AGENT)
    refund, delivery = topics["refund"]["id"], topics["delivery"]["id"]
    client.post(f"/experience/topics/{delivery}/merge", data={"into_topic_id": str(refund)},
                headers=agent, follow_redirects=False)  # fmt: skip
    page = client.get(f"/experience/topics/{refund}", headers=agent).text
    assert 'id="topic-split"' in page
    boxes = re.findall(r'name="text" value="(ticket_message:\d+)"', page)
    assert len(boxes) == 5
    moved = client.post(f"/experience/topics/{refund}/split",
                        data={"text": boxes[:2], "name": "Picked"}, headers=agent,
                        follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    new_page = client.get(moved.headers["location"], headers=agent).text
    assert '<h1 id="topic-name">Picked</h1>' in new_page
    assert "Topic split." in new_page
    split = client.post(f"/experience/topics/{refund}/split", data={"k": "2"}, headers=agent,
                        follow_redirects=False)  # fmt: skip
    assert split.status_code == 303
    assert split.headers["location"] != f"/experience/topics/{refund}"
    listing = client.get("/experience/topics", headers=agent).text
    assert len(re.findall(r'<tr data-topic="(\d+)"', listing)) == 3
    bad = client.post(f"/experience/topics/{refund}/split", data={"text": ["ticket:1"]},
                      headers=agent, follow_redirects=False)  # fmt: skip
    assert bad.headers["location"].startswith(f"/experience/topics/{refund}")
    assert "choose texts from the examples" in client.get(
        bad.headers["location"], headers=agent).text  # fmt: skip
    viewer = client.post(f"/experience/topics/{refund}/split", data={"k": "2"},
                         headers=tenant.headers(Role.VIEWER), follow_redirects=False)  # fmt: skip
    assert viewer.status_code == 403
    assert 'id="topic-split"' not in client.get(
        f"/experience/topics/{refund}", headers=tenant.headers(Role.VIEWER)).text  # fmt: skip
