"""The recurring-issue report on a hand-computed case, its CSV and webhook exports (a real
local HTTP server), the dashboard functions, and erasure removing a person from examples."""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.outbound_http import OutboundPolicy, UnsafeTarget
from cxhub.core.permissions import Role
from cxhub.experience.text.models import TextAnalysisRecord
from cxhub.experience.topics.export import deliver_report, report_body, report_csv, sign
from cxhub.experience.topics.models import Topic, TopicAssignment
from cxhub.experience.topics.report import recurring_issues, top_negative_topics
from tests.api.problems import assert_problem
from tests.experience.topics.conftest import API, Seeded, create_ticket
from tests.factories import Tenant

SINCE = datetime(2026, 6, 1, tzinfo=UTC)
UNTIL = datetime(2026, 7, 1, tzinfo=UTC)


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _june(day: int) -> datetime:
    return datetime(2026, 6, day, 12, tzinfo=UTC) if day > 0 else datetime(2026, 5, 28, tzinfo=UTC)


def _seed_case(client: TestClient, tenant: Tenant) -> dict[str, int]:
    """Topic T1: ann (account A, 12,000 USD ARR) tickets t1 (2 texts, 2nd, 3rd June, negative)
    and t2 (6th, neutral: a repeat of t1); bob (account B, 6,000 EUR ARR) t3 (10th, positive)
    and t4 (25th, not analysed: 15 days after t3, no repeat); cat t0 (28 May, before the window)
    and t5 (1st, negative: a repeat thanks to the look-back). Topic T2: dan t6 (15th, negative).
    Topic T3 is ignored. Expected T1: 6 texts, 5 contacts, 2 repeats, 3 negative of 5 analysed,
    accounts A and B."""
    account_a = _post(client, tenant, "/accounts", {"name": "Acme"})["id"]
    account_b = _post(client, tenant, "/accounts", {"name": "Bolt"})["id"]
    for account, currency, mrr in ((account_a, "USD", 100_000), (account_b, "EUR", 50_000)):
        _post(client, tenant, "/subscriptions", {"account_id": account, "plan": "pro",
              "currency": currency, "mrr_cents": mrr, "started_on": "2026-01-01"})  # fmt: skip
    people = {name: f"{name}-{tenant.slug}@example.com" for name in ("ann", "bob", "cat", "dan")}
    owners = {"t0": "cat", "t1": "ann", "t2": "ann", "t3": "bob", "t4": "bob", "t5": "cat",
              "t6": "dan", "t7": "dan"}  # fmt: skip
    tickets = {k: create_ticket(client, tenant, "hello", people[v]) for k, v in owners.items()}
    ids = {k: int(v["id"]) for k, v in tickets.items()}
    contact = {k: int(v["requester_id"]) for k, v in tickets.items()}
    account = {"ann": account_a, "bob": account_b}
    texts = [  # (topic, ticket, day, sentiment)
        ("T1", "t0", 0, "negative"), ("T1", "t1", 2, "negative"), ("T1", "t1", 3, "negative"),
        ("T1", "t2", 6, "neutral"), ("T1", "t3", 10, "positive"), ("T1", "t4", 25, None),
        ("T1", "t5", 1, "negative"), ("T2", "t6", 15, "negative"),
    ] + [("T3", "t7", 20, "negative")] * 10  # fmt: skip
    with tenant.session() as session:
        topics = {}
        for key, status in (("T1", "active"), ("T2", "active"), ("T3", "ignored")):
            topics[key] = Topic(label=f"label {key}", name=f"name {key}", status=status,
                                signature={"i": [], "w": []}, keywords=[], language="en")  # fmt: skip
            session.add(topics[key])
        session.flush()
        for n, (topic, ticket, day, sentiment) in enumerate(texts):
            common = {"source_type": "test_text", "source_id": 1000 + n}
            session.add(TopicAssignment(
                topic_id=topics[topic].id, ticket_id=ids[ticket], contact_id=contact[ticket],
                account_id=account.get(owners[ticket]), score=0.5, written_at=_june(day),
                **common))  # fmt: skip
            if sentiment:
                session.add(TextAnalysisRecord(
                    language="en", sentiment=sentiment, sentiment_score=0.0, topics=[],
                    mode="fast", model_version="t", text_written_at=_june(day), **common))  # fmt: skip
        session.flush()
        result = {k: t.id for k, t in topics.items()}
    return result | {"ticket_" + k: v for k, v in ids.items()}


def test_report_figures_match_the_hand_computed_case(client: TestClient, tenant: Tenant) -> None:
    ids = _seed_case(client, tenant)
    with tenant.session() as session:
        issues = recurring_issues(session, workspace_id=tenant.workspace_id, since=SINCE,
                                  until=UNTIL, repeat_days=7)  # fmt: skip
        negative = top_negative_topics(session, workspace_id=tenant.workspace_id, since=SINCE,
                                       until=UNTIL, limit=5)  # fmt: skip
    assert [i.topic_id for i in issues] == [ids["T1"], ids["T2"]]  # T3 is ignored
    first = issues[0]
    assert (first.texts, first.contacts, first.repeat_contacts) == (6, 5, 2)
    assert first.repeat_rate == 0.4
    assert (first.negative, first.analysed, first.negative_share) == (3, 5, 0.6)
    assert len(first.account_ids) == 2
    assert first.arr_cents == {"USD": 1_200_000, "EUR": 600_000}
    second = issues[1]
    assert (second.texts, second.contacts, second.repeat_contacts, second.negative) == (1, 1, 0, 1)
    assert second.arr_cents == {}
    assert [f.topic_id for f in negative] == [ids["T1"], ids["T2"]]
    with tenant.session() as session:
        longer = recurring_issues(session, workspace_id=tenant.workspace_id, since=SINCE,
                                  until=UNTIL, repeat_days=20)  # fmt: skip
    assert longer[0].repeat_contacts == 3  # t4 is now within 20 days of t3

    rows = list(csv.DictReader(io.StringIO(report_csv(issues))))
    assert rows[0]["name"] == "name T1"
    assert (rows[0]["contacts"], rows[0]["repeat_rate"], rows[0]["negative_share"]) == (
        "5", "0.4", "0.6")  # fmt: skip
    assert rows[0]["arr"] == "EUR 6000.00;USD 12000.00"
    assert rows[1]["rank"] == "2"


def test_csv_download_is_an_audited_export(client: TestClient, seeded: Seeded) -> None:
    headers = seeded.tenant.headers(Role.ANALYST)
    response = client.get(f"{API}/topics/recurring-issues.csv", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3
    assert sum(int(r["contacts"]) for r in rows) >= 24
    assert "the product is broken" not in response.text  # ids and figures, never excerpts
    assert_problem(
        client.get(f"{API}/topics/recurring-issues.csv", headers=seeded.tenant.headers(Role.AGENT)),
        403,
        "forbidden",
    )
    entries = client.get(
        f"{API}/audit", params={"action": "topics.report_exported"}, headers=seeded.tenant.admin
    )
    assert entries.json()["items"][0]["detail"]["channel"] == "csv"


def test_the_json_report_quotes_examples_and_ranks_topics(
    client: TestClient, seeded: Seeded
) -> None:
    report = client.get(
        f"{API}/topics/recurring-issues", params={"days": 30}, headers=seeded.tenant.admin
    ).json()
    assert [r["rank"] for r in report] == [1, 2, 3]
    contacts = [r["contacts"] for r in report]
    assert contacts == sorted(contacts, reverse=True)
    refund = next(r for r in report if r["topic_id"] == seeded.topics["refund"]["id"])
    assert len(refund["examples"]) == 3
    assert all("refund" in e["excerpt"].lower() for e in refund["examples"])
    assert refund["negative_texts"] >= 1
    assert_problem(
        client.get(f"{API}/topics/recurring-issues?repeat_days=0", headers=seeded.tenant.admin),
        422,
        "validation-error",
    )
    trending = client.get(f"{API}/topics/trending", headers=seeded.tenant.admin).json()
    assert len(trending) == 3
    assert all(len(t["daily"]) == 35 for t in trending)
    assert sum(t["observed"] for t in trending) >= 24
    assert all(t["trending"] for t in trending)  # all texts are new this week
    negative = client.get(f"{API}/topics/negative", headers=seeded.tenant.admin).json()
    assert negative
    assert all(n["negative_texts"] >= 1 for n in negative)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(500 if self.path == "/fails" else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_the_signed_report_to_a_real_server(
    client: TestClient, tenant: Tenant, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    _seed_case(client, tenant)
    with tenant.session() as session:
        issues = recurring_issues(session, workspace_id=tenant.workspace_id, since=SINCE,
                                  until=UNTIL)  # fmt: skip
    body = report_body(issues, workspace_id=tenant.workspace_id, since=SINCE, until=UNTIL)
    policy = OutboundPolicy.parse("127.0.0.1")
    secret = "s3cret-s3cret-s3cret"
    delivery = deliver_report(body, url=f"{url}/hook", secret=secret, policy=policy)
    assert (delivery.delivered, delivery.status) == (True, 204)
    [(headers, sent)] = received
    payload = json.loads(sent)
    assert payload["event"] == "topics.recurring_issues"
    assert payload["issues"][0]["contacts"] == 5
    assert payload["issues"][0]["arr_cents"] == {"EUR": 600_000, "USD": 1_200_000}
    timestamp = int(headers["X-Cxhub-Signature"].split(",")[0][2:])
    assert headers["X-Cxhub-Signature"] == sign(secret, sent, timestamp)
    failed = deliver_report(body, url=f"{url}/fails", secret=None, policy=policy)
    assert (failed.delivered, failed.status) == (False, 500)
    with pytest.raises(UnsafeTarget):  # the default policy refuses a loopback address
        deliver_report(body, url=f"{url}/hook", secret=None, policy=OutboundPolicy())


def test_webhook_route_refuses_internal_targets(client: TestClient, seeded: Seeded) -> None:
    headers = seeded.tenant.headers(Role.CSM)
    assert_problem(
        client.post(f"{API}/topics/recurring-issues/webhook",
                    json={"url": "http://127.0.0.1:9/hook"}, headers=headers),
        422,
        "unsafe-target",
    )  # fmt: skip
    assert_problem(
        client.post(f"{API}/topics/recurring-issues/webhook",
                    json={"url": "https://example.com/h", "secret": "short"}, headers=headers),
        422,
        "validation-error",
    )  # fmt: skip
    assert_problem(
        client.post(f"{API}/topics/recurring-issues/webhook",
                    json={"url": "https://example.com/h"}, headers=seeded.tenant.headers(Role.AGENT)),
        403,
        "forbidden",
    )  # fmt: skip


def test_erasure_removes_a_person_from_topics(client: TestClient, tenant: Tenant) -> None:
    from tests.experience.topics.conftest import THEMES, discover

    email = f"erin-{tenant.slug}@example.com"
    mine = create_ticket(client, tenant, "My refund for the broken order never came", email)
    for theme in THEMES.values():
        for text in theme:
            create_ticket(client, tenant, text)
    discover(client, tenant, k=3)
    refund_topic = client.post(
        f"{API}/topics/classify", json={"texts": ["refund broken order"]}, headers=tenant.admin
    ).json()[0]["topic_id"]

    def example_tickets() -> set[int]:
        examples = client.get(f"{API}/topics/{refund_topic}/examples", params={"limit": 20},
                              headers=tenant.admin).json()  # fmt: skip
        return {e["ticket_id"] for e in examples}

    assert mine["id"] in example_tickets()
    exported = client.get(f"{API}/contacts/{mine['requester_id']}/export", headers=tenant.admin)
    assert [a["ticket_id"] for a in exported.json()["topic_assignments"]] == [mine["id"]]
    erased = client.post(f"{API}/contacts/{mine['requester_id']}/erase",
                         json={"confirm": mine["requester_id"]}, headers=tenant.admin)  # fmt: skip
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["topic_assignments"] == 1
    assert mine["id"] not in example_tickets()
    report = client.get(f"{API}/topics/recurring-issues", headers=tenant.admin).json()
    assert all("never came" not in e["excerpt"] for r in report for e in r["examples"])
