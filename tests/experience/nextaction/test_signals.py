"""Next best actions from success and experience signals, through the service: seats near the
limit of a healthy account, the guide for an add-on similar accounts use, a contact whose recent
messages turned negative, and NPS answers kept from `nps.response_recorded`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.experience.connected import service as nps
from cxhub.experience.nextaction import service
from cxhub.experience.nextaction.rules import ActionKind
from tests.experience.connected.helpers import analysed, requester_of, ticket
from tests.factories import Tenant, make_tenant, unique
from tests.knowledge.helpers import article
from tests.success.test_expansion_api import AS_OF, scenario

__all__ = ["scenario"]  # fixture used below


def test_seats_and_guide_actions_of_an_account(
    client: TestClient, tenant: Tenant, scenario: dict[str, int], settings: object
) -> None:
    """ "Busy" (docs/expansion.md) uses 4 of 4 seats and lacks the sso add-on that 2 of its 5
    similar accounts use; a published article about SSO is the guide."""
    found = article(client, tenant, title="Set up SSO single sign-on", body="<p>sso steps</p>")
    data_dir: Path = settings.data_dir  # type: ignore[attr-defined]
    with tenant.session() as session:
        actions = service.next_actions(
            session,
            workspace_id=tenant.workspace_id,
            customer=service.Customer(None, scenario["busy"]),
            now=AS_OF,
            data_dir=data_dir,
        )
    by_kind = {a.kind: a for a in actions}
    seats = by_kind[ActionKind.OFFER_EXPANSION]
    assert (seats.facts["active"], seats.facts["licensed"]) == (4, 4)
    assert seats.score == 45.0  # never scored: no best-band bonus
    guide = by_kind[ActionKind.SEND_GUIDE]
    assert guide.facts["feature"] == "sso"
    assert guide.facts["article_id"] == found["id"]
    assert guide.link == f"/knowledge/{found['id']}"
    assert [a.kind for a in actions] == [ActionKind.OFFER_EXPANSION, ActionKind.SEND_GUIDE]


def test_negative_sentiment_trend_and_recorded_nps(runtime: Runtime, client: TestClient) -> None:
    tenant = make_tenant(runtime)
    now = utcnow()
    email = f"{unique('s')}@example.com"
    earlier = ticket(
        client, tenant, email=email, channel="email", created_at=now - timedelta(days=40)
    )
    analysed(tenant, earlier, topics=[], sentiment="positive", score=0.6)
    for days in (10, 5, 2):
        recent = ticket(
            client, tenant, email=email, channel="chat", created_at=now - timedelta(days=days)
        )
        analysed(tenant, recent, topics=[], sentiment="negative", score=-0.7)
    contact = requester_of(tenant, earlier)
    with tenant.session() as session:
        actions = service.next_actions(
            session,
            workspace_id=tenant.workspace_id,
            customer=service.Customer(contact, None),
            now=now,
            data_dir=Path("/nonexistent"),
        )
    (reengage,) = [a for a in actions if a.kind == ActionKind.REENGAGE_SENTIMENT]
    assert (reengage.facts["negative"], reengage.facts["texts"]) == (3, 3)
    assert reengage.facts["previous_mean"] == 0.6
    assert reengage.score == 68.0  # 55 + 10·(0.6 − (−0.7))
    # NPS answers published as events are kept as rows by the job.
    account = client.post(
        "/api/v1/accounts", json={"name": unique("A ")}, headers=tenant.admin
    ).json()["id"]
    for score in (9, 4):
        response = client.post(
            "/api/v1/playbooks/signals/nps",
            json={"account_id": account, "score": score},
            headers=tenant.admin,
        )
        assert response.status_code == 202
    with tenant.session() as session:
        latest = nps.latest_answers(session, since=now - timedelta(days=1))
    assert [(a.account_id, a.score) for a in latest] == [(account, 4)]
