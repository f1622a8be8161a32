"""Text analytics API: analyse arbitrary text, results of customer ticket messages computed by the
background job after the commit, the contact's results and sentiment summary, the workspace mode
(admins, audited), workspace isolation, and erasure of a contact's results."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant, description: str, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Help",
        "description": description,
        "requester": {"emails": [f"{unique('c')}@example.com"]},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_analyse_answers_language_sentiment_and_topics(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/text/analyse",
        json={"texts": ["My card still hasn't arrived, this is awful", "Grazie, tutto perfetto!"]},
        headers=tenant.headers(Role.VIEWER),
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert (first["language"], first["sentiment"]) == ("en", "negative")
    assert first["topics"][0]["topic"] == "banking/card_arrival"
    assert (second["language"], second["sentiment"]) == ("it", "positive")
    assert second["mode"] == "fast"


def test_analyse_rejects_bad_input_with_problems(client: TestClient, tenant: Tenant) -> None:
    url = "/api/v1/text/analyse"
    assert_problem(
        client.post(url, json={"texts": []}, headers=tenant.admin), 422, "validation-error"
    )
    assert_problem(
        client.post(url, json={"texts": ["x"] * 101}, headers=tenant.admin), 422, "validation-error"
    )
    assert_problem(
        client.post(url, json={"texts": ["a" * 5001]}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(url, json={"texts": ["ok"], "mode": "magic"}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert client.post(url, json={"texts": ["ok"]}).status_code == 401


def test_customer_messages_are_analysed_and_agent_replies_are_not(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant, "The delivery is late again, I am very disappointed")
    reply = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "We are sorry, a replacement is on its way", "public": True},
        headers=tenant.admin,
    )
    assert reply.status_code == 201, reply.text
    rows = client.get(
        f"/api/v1/tickets/{ticket['id']}/text-analyses", headers=tenant.headers(Role.AGENT)
    )
    assert rows.status_code == 200, rows.text
    [row] = rows.json()
    assert row["source_type"] == "ticket_message"
    assert (row["language"], row["sentiment"], row["mode"]) == ("en", "negative", "fast")
    assert row["contact_id"] == ticket["requester_id"]
    assert row["sentiment_score"] < 0

    contact = client.get(
        f"/api/v1/contacts/{ticket['requester_id']}/text-analyses",
        headers=tenant.headers(Role.ANALYST),
    )
    assert contact.status_code == 200, contact.text
    assert contact.json()["summary"]["texts"] == 1
    assert contact.json()["summary"]["negative"] == 1
    assert [i["id"] for i in contact.json()["items"]] == [row["id"]]
    aggregate = client.get(
        "/api/v1/text/sentiment",
        params={"contact_id": ticket["requester_id"]},
        headers=tenant.headers(Role.CSM),
    )
    assert aggregate.json()["net_sentiment"] == -1.0
    export = client.get(f"/api/v1/contacts/{ticket['requester_id']}/export", headers=tenant.admin)
    assert export.status_code == 200, export.text
    assert [r["sentiment"] for r in export.json()["text_analyses"]] == ["negative"]

    # another workspace sees none of it
    assert_problem(
        client.get(f"/api/v1/tickets/{ticket['id']}/text-analyses", headers=other_tenant.admin),
        404,
        "not-found",
    )
    assert_problem(
        client.get(
            f"/api/v1/contacts/{ticket['requester_id']}/text-analyses", headers=other_tenant.admin
        ),
        404,
        "not-found",
    )
    elsewhere = client.get(
        "/api/v1/text/sentiment",
        params={"contact_id": ticket["requester_id"]},
        headers=other_tenant.admin,
    )
    assert elsewhere.json()["texts"] == 0


def test_mode_is_chosen_per_workspace_by_admins_and_audited(
    client: TestClient, tenant: Tenant
) -> None:
    assert client.get("/api/v1/text/settings", headers=tenant.admin).json()["mode"] == "fast"
    denied = client.put(
        "/api/v1/text/settings", json={"mode": "accurate"}, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(denied, 403, "forbidden")
    assert_problem(
        client.put("/api/v1/text/settings", json={"mode": "slow"}, headers=tenant.admin),
        422,
        "validation-error",
    )
    changed = client.put("/api/v1/text/settings", json={"mode": "accurate"}, headers=tenant.admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["mode"] == "accurate"
    assert client.get("/api/v1/text/settings", headers=tenant.admin).json()["mode"] == "accurate"
    audit = client.get(
        "/api/v1/audit", params={"action": "text_analytics.mode_updated"}, headers=tenant.admin
    )
    assert audit.status_code == 200, audit.text
    assert len(audit.json()["items"]) == 1
    back = client.put("/api/v1/text/settings", json={"mode": "fast"}, headers=tenant.admin)
    assert back.json()["mode"] == "fast"


def test_erasing_a_contact_deletes_their_text_analyses(client: TestClient, tenant: Tenant) -> None:
    mine = _ticket(client, tenant, "Terrible service, nobody answers")
    other = _ticket(client, tenant, "Great support, thanks a lot")
    erased = client.post(
        f"/api/v1/contacts/{mine['requester_id']}/erase",
        json={"confirm": mine["requester_id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["text_analyses"] == 1
    assert (
        client.get(f"/api/v1/tickets/{mine['id']}/text-analyses", headers=tenant.admin).json() == []
    )
    kept = client.get(f"/api/v1/tickets/{other['id']}/text-analyses", headers=tenant.admin).json()
    assert [r["sentiment"] for r in kept] == ["positive"]


def test_a_csat_comment_is_analysed_too(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant, "Where is my parcel?")
    solved = client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=tenant.admin
    )
    assert solved.status_code == 200, solved.text
    rated = client.post(
        f"/api/v1/tickets/{ticket['id']}/csat",
        json={"score": 5, "comment": "Fantastic support, thank you so much!"},
        headers=tenant.admin,
    )
    assert rated.status_code == 200, rated.text
    rows = client.get(f"/api/v1/tickets/{ticket['id']}/text-analyses", headers=tenant.admin).json()
    by_source = {r["source_type"]: r for r in rows}
    assert set(by_source) == {"ticket_message", "csat_comment"}
    assert by_source["csat_comment"]["sentiment"] == "positive"
    assert by_source["csat_comment"]["contact_id"] == ticket["requester_id"]


def test_a_prepared_analysis_is_not_stored_once_its_message_is_gone(
    client: TestClient, tenant: Tenant
) -> None:
    """The job reads and analyses in a read-only session and stores in another; a message
    erased in between leaves no analysis behind."""
    from sqlalchemy import delete, select

    from cxhub.experience.text.models import TextAnalysisRecord
    from cxhub.experience.text.service import prepare_message_analysis, store_message_analysis
    from cxhub.service.tickets.models import TicketMessage

    ticket = _ticket(client, tenant, "My parcel never arrived and nobody answers")
    with tenant.session() as session:
        message_id = session.scalar(
            select(TicketMessage.id).where(TicketMessage.ticket_id == ticket["id"])
        )
        assert message_id is not None
        pending = prepare_message_analysis(session, message_id=message_id)
        assert pending is not None
        assert pending.result.sentiment == "negative"
        session.execute(
            delete(TextAnalysisRecord).where(TextAnalysisRecord.source_id == message_id)
        )
        assert store_message_analysis(session, pending) is not None  # still there: stored
        session.execute(delete(TicketMessage).where(TicketMessage.id == message_id))
        assert store_message_analysis(session, pending) is None
