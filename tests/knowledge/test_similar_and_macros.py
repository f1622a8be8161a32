"""Agent assist beside a ticket: similar solved tickets (keyword and semantic, Chinese included)
and the suggested macro with its reason; API validation, permissions, isolation, panel, erasure."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.permissions import Role
from cxhub.knowledge.assist.macros import text_similarity, vote
from cxhub.knowledge.assist.models import SolvedTicketVector
from cxhub.knowledge.search import semantic
from cxhub.service.tickets.search_text import tokens
from tests.api.problems import assert_problem
from tests.factories import Tenant, make_tenant, unique
from tests.knowledge.helpers import API


class WordsEmbedder:
    """A deterministic stand-in for the e5 model: hashed bag of words, L2-normalised, so two
    texts are near exactly when they share words. Tests the semantic path without 90 MB."""

    name = "test-words"

    def _vector(self, text: str) -> np.ndarray[Any, Any]:
        vector = np.zeros(64, dtype=np.float32)
        for token in tokens(text):
            vector[zlib.crc32(token.encode()) % 64] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def queries(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return np.vstack([self._vector(t) for t in texts])

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return self.queries(texts)


@pytest.fixture
def no_embedder() -> Iterator[None]:
    semantic.use_embedder(None)
    yield
    semantic.reset_embedder()


@pytest.fixture
def words_embedder() -> Iterator[None]:
    semantic.use_embedder(WordsEmbedder())
    yield
    semantic.reset_embedder()


def _ticket(client: TestClient, tenant: Tenant, subject: str, description: str) -> dict[str, Any]:
    contact = client.post(
        "/api/v1/contacts",
        json={"first_name": "Ana", "emails": [f"{unique('c')}@example.org"]},
        headers=tenant.admin,
    ).json()["id"]
    response = client.post(
        "/api/v1/tickets",
        json={"subject": subject, "description": description, "requester_id": contact},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _solve(client: TestClient, tenant: Tenant, ticket_id: int, reply: str) -> None:
    sent = client.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"body": reply}, headers=tenant.admin
    )
    assert sent.status_code == 201, sent.text
    solved = client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "solved"}, headers=tenant.admin
    )
    assert solved.status_code == 200, solved.text


def _similar(client: TestClient, tenant: Tenant, ticket_id: int) -> list[dict[str, Any]]:
    response = client.get(f"{API}/tickets/{ticket_id}/similar", headers=tenant.headers(Role.AGENT))
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


@pytest.fixture
def solved(client: TestClient, tenant: Tenant) -> dict[str, int]:
    card = _ticket(client, tenant, "ATM swallowed my card", "The cash machine kept my debit card")
    _solve(client, tenant, card["id"], "Block the card in the app; a new one arrives in 5 days.")
    address = _ticket(client, tenant, "Change my address", "I moved to a new flat last week")
    _solve(client, tenant, address["id"], "Update it under Profile > Address.")
    printer = _ticket(client, tenant, "打印机坏了", "我的打印机不能打印了")
    _solve(client, tenant, printer["id"], "请重新安装驱动程序。")
    still_open = _ticket(client, tenant, "ATM kept my card too", "machine kept the card")
    return {
        "card": card["id"],
        "address": address["id"],
        "printer": printer["id"],
        "open": still_open["id"],
    }


def test_similar_solved_tickets_by_keyword(
    no_embedder: None, client: TestClient, tenant: Tenant, solved: dict[str, int]
) -> None:
    query = _ticket(client, tenant, "The ATM kept my card", "my card is stuck in the machine")
    hits = _similar(client, tenant, query["id"])
    ids = [hit["ticket_id"] for hit in hits]
    assert ids[0] == solved["card"]
    assert solved["open"] not in ids
    assert query["id"] not in ids
    assert solved["address"] not in ids
    assert hits[0]["resolution"].startswith("Block the card in the app")
    assert hits[0]["matched_by"] == ["keyword"]
    assert hits[0]["status"] == "solved"

    chinese = _ticket(client, tenant, "打印机又坏了", "怎么办")
    assert [hit["ticket_id"] for hit in _similar(client, tenant, chinese["id"])] == [
        solved["printer"]
    ]

    # reopening a solved ticket takes it out of the list
    client.patch(f"/api/v1/tickets/{solved['card']}", json={"status": "open"}, headers=tenant.admin)
    assert solved["card"] not in [hit["ticket_id"] for hit in _similar(client, tenant, query["id"])]


def test_similar_solved_tickets_by_meaning_and_erasure(
    words_embedder: None, client: TestClient, tenant: Tenant, solved: dict[str, int]
) -> None:
    with tenant.session() as session:
        stored = set(session.scalars(select(SolvedTicketVector.ticket_id)))
    assert stored == {solved["card"], solved["address"], solved["printer"]}

    query = _ticket(client, tenant, "Change my address", "I moved to a new flat last week")
    hits = _similar(client, tenant, query["id"])
    assert hits[0]["ticket_id"] == solved["address"]
    assert hits[0]["matched_by"] == ["keyword", "semantic"]

    requester = client.get(f"/api/v1/tickets/{solved['address']}", headers=tenant.admin).json()
    erased = client.post(
        f"/api/v1/contacts/{requester['requester_id']}/erase",
        json={"confirm": requester["requester_id"]},
        headers=tenant.admin,
    )
    assert erased.status_code in (200, 201, 202), erased.text
    with tenant.session() as session:
        remaining = set(session.scalars(select(SolvedTicketVector.ticket_id)))
    assert remaining == {solved["card"], solved["printer"]}


def test_similar_validation_permissions_and_isolation(
    no_embedder: None, client: TestClient, tenant: Tenant, solved: dict[str, int]
) -> None:
    url = f"{API}/tickets/{solved['open']}/similar"
    for bad in ("0", "21", "many"):
        assert_problem(
            client.get(url, params={"limit": bad}, headers=tenant.admin), 422, "validation-error"
        )
    assert client.get(url).status_code == 401
    assert_problem(
        client.get(f"{API}/tickets/{10**12}/similar", headers=tenant.admin), 404, "not-found"
    )
    other = make_tenant(tenant.runtime)
    assert_problem(client.get(url, headers=other.admin), 404, "not-found")
    # another workspace's similar ticket is never offered
    twin = _ticket(client, other, "ATM swallowed my card", "The cash machine kept my debit card")
    _solve(client, other, twin["id"], "Block it.")
    ids = [hit["ticket_id"] for hit in _similar(client, tenant, solved["open"])]
    assert twin["id"] not in ids
    assert ids == [solved["card"]]


def _macro(client: TestClient, tenant: Tenant, name: str, reply: str) -> int:
    response = client.post(
        "/api/v1/macros",
        json={"name": name, "actions": [{"type": "reply_public", "body": reply}]},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_suggested_macro_by_similar_tickets_then_text(
    no_embedder: None, client: TestClient, tenant: Tenant, solved: dict[str, int]
) -> None:
    blocked = _macro(client, tenant, "Card blocked", "We blocked it, a replacement is on its way.")
    refund = _macro(client, tenant, "Refund issued", "Your refund for the double charge is sent.")
    applied = client.post(
        f"/api/v1/tickets/{solved['open']}/macros/{blocked}/apply", headers=tenant.admin
    )
    assert applied.status_code == 200, applied.text

    query = _ticket(client, tenant, "ATM kept my card", "the machine did not give it back")
    url = f"{API}/tickets/{query['id']}/macro-suggestions"
    suggestions = client.get(url, headers=tenant.headers(Role.AGENT)).json()
    assert suggestions[0]["macro_id"] == blocked
    assert suggestions[0]["reason"] == "similar_tickets"
    assert suggestions[0]["ticket_ids"] == [solved["open"]]
    assert suggestions[0]["applied_count"] == 1
    assert refund not in [s["macro_id"] for s in suggestions]  # no shared word, never applied

    money = _ticket(client, tenant, "Refund please", "I was charged twice, I want a refund")
    by_text = client.get(
        f"{API}/tickets/{money['id']}/macro-suggestions", headers=tenant.admin
    ).json()
    assert [(s["macro_id"], s["reason"]) for s in by_text] == [(refund, "text")]
    assert "refund" in by_text[0]["shared_words"]

    # a macro already applied to the ticket is not suggested again
    assert blocked not in [
        s["macro_id"]
        for s in client.get(
            f"{API}/tickets/{solved['open']}/macro-suggestions", headers=tenant.admin
        ).json()
    ]
    assert_problem(
        client.get(url, params={"limit": 11}, headers=tenant.admin), 422, "validation-error"
    )
    assert client.get(url).status_code == 401

    panel = client.get(
        f"/knowledge/tickets/{query['id']}/assist", headers=tenant.headers(Role.AGENT)
    )
    assert panel.status_code == 200
    assert f'data-macro="{blocked}"' in panel.text
    assert 'data-kb-macro="' in panel.text
    assert f'data-ticket="{solved["card"]}"' in panel.text
    assert "Block the card in the app" in panel.text
    read_only = client.get(
        f"/knowledge/tickets/{query['id']}/assist", headers=tenant.headers(Role.VIEWER)
    )
    assert f'data-macro="{blocked}"' in read_only.text
    assert "data-kb-macro=" not in read_only.text
    zh = client.get(
        f"/knowledge/tickets/{query['id']}/assist",
        headers={**tenant.admin, "Accept-Language": "zh"},
    )
    assert "相似的已解决工单" in zh.text or "Similar solved tickets" in zh.text


def test_vote_and_text_similarity_on_hand_computed_cases() -> None:
    neighbours = [(10, 0.3), (11, 0.2), (12, 0.1)]
    applications = [(10, 1), (12, 1), (11, 2), (99, 3)]
    votes = vote(neighbours, applications)
    assert votes[1] == (pytest.approx(0.4), [10, 12])
    assert votes[2] == (pytest.approx(0.2), [11])
    assert 3 not in votes
    # {refund, card, charge} vs {refund, charge}: 2 / sqrt(3 * 2)
    assert text_similarity(["refund", "card", "charge"], ["refund", "charge"]) == pytest.approx(
        2 / 6**0.5
    )
    assert text_similarity([], ["refund"]) == 0.0
