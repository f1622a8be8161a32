"""`GET /api/v1/metrics/experience` on hand-computed data: sentiment by channel, CSAT and NPS
trends, top negative topics and the connected-experience block; validation and isolation.

Period [T0, T0 + 14 days), T0 = Monday 2026-03-02.
- texts: two e-mail messages negative (−0.8, −0.6) on "billing"; one chat message positive
  (0.9) on "billing" and "shipping" → email: 2 texts, mean −0.7, net −1; chat: 1, 0.9, net 1;
  negative topics: billing 2 of 3 (66.67 %); shipping has no negative text (left out).
- CSAT: week 1 ratings 5 and 2 → 50 %; week 2 rating 4 → 100 %.
- NPS: week 1 answers 10 and 3 → 50 % − 50 % = 0; week 2 answer 9 → 100.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.service.csat.models import CsatSurvey
from tests.api.problems import assert_problem
from tests.experience.connected.helpers import analysed, requester_of, ticket
from tests.factories import Tenant, make_tenant, unique

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
API = "/api/v1/metrics/experience"
PERIOD = {"since": T0.isoformat(), "until": (T0 + 14 * DAY).isoformat()}


@pytest.fixture(scope="module")
def built(runtime: Runtime, client: TestClient) -> Tenant:
    tenant = make_tenant(runtime)
    email = f"{unique('x')}@example.com"
    first = ticket(client, tenant, email=email, channel="email", created_at=T0)
    second = ticket(client, tenant, email=email, channel="email", created_at=T0 + DAY)
    third = ticket(client, tenant, email=email, channel="chat", created_at=T0 + 8 * DAY)
    analysed(tenant, first, topics=["billing"], sentiment="negative", score=-0.8)
    analysed(tenant, second, topics=["billing"], sentiment="negative", score=-0.6)
    analysed(tenant, third, topics=["billing", "shipping"], sentiment="positive", score=0.9)
    contact = requester_of(tenant, first)
    with tenant.session() as session:
        for ticket_id, score, when in (
            (first, 5, T0),
            (second, 2, T0 + DAY),
            (third, 4, T0 + 9 * DAY),
        ):
            session.add(
                CsatSurvey(
                    ticket_id=ticket_id,
                    contact_id=contact,
                    token_sha256=unique("h").ljust(64, "0"),
                    requested_at=when,
                    score=score,
                    rated_at=when,
                )
            )
    account = client.post(
        "/api/v1/accounts", json={"name": unique("Acct ")}, headers=tenant.admin
    ).json()["id"]
    for score, when in ((10, T0), (3, T0 + 2 * DAY), (9, T0 + 7 * DAY)):
        response = client.post(
            "/api/v1/playbooks/signals/nps",
            json={"account_id": account, "score": score, "responded_at": when.isoformat()},
            headers=tenant.admin,
        )
        assert response.status_code == 202, response.text
    return tenant


def test_hand_computed_summary(client: TestClient, built: Tenant) -> None:
    response = client.get(API, params=PERIOD, headers=built.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    body = response.json()
    channels = {c["channel"]: c for c in body["sentiment_by_channel"]}
    assert channels["email"]["texts"] == 2
    assert channels["email"]["negative"] == 2
    assert channels["email"]["mean_score"] == pytest.approx(-0.7)
    assert channels["email"]["net_sentiment"] == -1.0
    assert channels["chat"]["positive"] == 1
    assert channels["chat"]["mean_score"] == pytest.approx(0.9)
    assert [(t["topic"], t["negative_texts"], t["texts"]) for t in body["top_negative_topics"]] == [
        ("billing", 2, 3)
    ]
    assert body["top_negative_topics"][0]["negative_share"] == pytest.approx(200 / 3)
    assert [(w["week"], w["responses"], w["value"]) for w in body["csat_weekly"]] == [
        ("2026-03-02", 2, 50.0),
        ("2026-03-09", 1, 100.0),
    ]
    assert [(w["week"], w["responses"], w["value"]) for w in body["nps_weekly"]] == [
        ("2026-03-02", 2, 0.0),
        ("2026-03-09", 1, 100.0),
    ]
    connected = body["connected"]
    # Ticket 2 (billing by e-mail a day after the first) repeats; 3 is 7 days after 2 and on
    # another channel: a repeat and a switch, and its text ("a question") is the text the
    # e-mail ticket already held: repeated information. No ticket was solved: FCR undefined.
    assert (connected["tickets"], connected["repeat_contacts"], connected["channel_switches"]) == (
        3,
        2,
        1,
    )
    assert connected["repeated_information"] == 1
    assert connected["fcr_rate"] is None
    # 100 − (0.30·66.67 + 0.25·33.33 + 0.15·33.33) / 0.70 = 52.381
    assert connected["score"] == pytest.approx(100 - (20 + 25 / 3 + 5) / 0.7, abs=1e-3)
    assert [w["key"] for w in body["connected_weekly"]] == ["2026-03-02", "2026-03-09"]
    assert [c["tickets"] for c in body["lowest_customers"]] == [3]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-03-02T00:00:00", "until": "2026-03-09T00:00:00Z"},  # naive
        {"since": "2026-03-09T00:00:00Z", "until": "2026-03-02T00:00:00Z"},  # reversed
        {"since": "2020-01-01T00:00:00Z", "until": "2026-03-02T00:00:00Z"},  # over 3 years
        {"since": "yesterday"},
        {"window_days": "0"},
        {"window_days": "91"},
    ],
)
def test_bad_parameters_are_problems(
    client: TestClient, built: Tenant, params: dict[str, Any]
) -> None:
    response = client.get(API, params=params, headers=built.admin)
    assert_problem(response, 422, "validation-error")


def test_permissions_and_isolation(client: TestClient, built: Tenant, runtime: Runtime) -> None:
    assert client.get(API, params=PERIOD).status_code == 401
    other = make_tenant(runtime)
    body = client.get(API, params=PERIOD, headers=other.admin).json()
    assert body["connected"]["tickets"] == 0
    assert body["sentiment_by_channel"] == []
    assert body["csat_weekly"] == []
    assert body["nps_weekly"] == []
    assert body["top_negative_topics"] == []
    assert body["lowest_customers"] == []
