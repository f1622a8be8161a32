"""Ticket full-text search over HTTP, on whichever engine the suite runs (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant, subject: str, body: str, **extra: Any) -> int:
    payload = {
        "subject": subject,
        "description": body,
        "requester": {"emails": [f"{unique('r')}@example.com"]},
        **extra,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _search(client: TestClient, tenant: Tenant, q: str, **params: Any) -> list[int]:
    response = client.get("/api/v1/tickets", params={"q": q, **params}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def corpus(client: TestClient, tenant: Tenant) -> dict[str, int]:
    return {
        "printer": _ticket(
            client, tenant, "Printer on fire", "It started smoking after the update."
        ),
        "cafe": _ticket(client, tenant, "Order at the café", "The crème brûlée never arrived."),
        "chinese": _ticket(client, tenant, "打印机坏了", "我的打印机昨天开始无法连接网络。"),
        "japanese": _ticket(client, tenant, "プリンターが壊れました", "印刷できません"),
        "italian": _ticket(
            client, tenant, "Fattura sbagliata", "La fattura di marzo è più alta del solito."
        ),
        "printing": _ticket(client, tenant, "Printing is slow", "Pages come out one per minute."),
    }


def test_english_words_must_all_match(
    client: TestClient, tenant: Tenant, corpus: dict[str, int]
) -> None:
    assert _search(client, tenant, "printer") == [corpus["printer"]]
    assert _search(client, tenant, "PRINTER smoking") == [corpus["printer"]]
    assert _search(client, tenant, "printer minute") == []


def test_diacritics_fold_both_ways(
    client: TestClient, tenant: Tenant, corpus: dict[str, int]
) -> None:
    assert _search(client, tenant, "cafe") == [corpus["cafe"]]
    assert _search(client, tenant, "café creme brulee") == [corpus["cafe"]]
    assert _search(client, tenant, "più") == [corpus["italian"]]
    assert _search(client, tenant, "fattura marzo") == [corpus["italian"]]


def test_chinese_and_japanese_substrings(
    client: TestClient, tenant: Tenant, corpus: dict[str, int]
) -> None:
    assert _search(client, tenant, "打印机") == [corpus["chinese"]]
    assert _search(client, tenant, "连接网络") == [corpus["chinese"]]
    assert _search(client, tenant, "坏") == [corpus["chinese"]]
    assert _search(client, tenant, "网络打印") == []
    assert _search(client, tenant, "壊れ") == [corpus["japanese"]]
    assert _search(client, tenant, "印刷") == [corpus["japanese"]]


def test_prefix_and_phrase(client: TestClient, tenant: Tenant, corpus: dict[str, int]) -> None:
    assert set(_search(client, tenant, "print*")) == {corpus["printer"], corpus["printing"]}
    assert _search(client, tenant, '"one per minute"') == [corpus["printing"]]
    assert _search(client, tenant, '"minute per one"') == []


def test_search_combines_with_filters_and_pages(client: TestClient, tenant: Tenant) -> None:
    word = unique("zq")
    ids = [_ticket(client, tenant, f"{word} {i}", "body", priority="high") for i in range(5)]
    other = _ticket(client, tenant, word, "body", priority="low")
    assert other not in _search(client, tenant, word, priority="high")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": word, "priority": "high", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/tickets", params=params, headers=tenant.admin).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_message_added_later_is_found_and_subject_change_reindexes(
    client: TestClient, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant, "Login problem", "Cannot sign in")
    word = unique("kw")
    assert _search(client, tenant, word) == []
    response = client.post(
        f"/api/v1/tickets/{ticket}/messages",
        json={"body": f"Try {word} please"},
        headers=tenant.admin,
    )
    assert response.status_code == 201
    assert _search(client, tenant, word) == [ticket]
    renamed = unique("subj")
    client.patch(f"/api/v1/tickets/{ticket}", json={"subject": renamed}, headers=tenant.admin)
    assert _search(client, tenant, renamed) == [ticket]
    assert _search(client, tenant, "login problem") == []


def test_merge_forgets_nothing_and_spam_is_dropped(client: TestClient, tenant: Tenant) -> None:
    source_word, target_word, subject_word = unique("src"), unique("tgt"), unique("sub")
    target = _ticket(client, tenant, "Target", f"body {target_word}")
    source = _ticket(client, tenant, f"Duplicate {subject_word}", f"body {source_word}")
    merged = client.post(
        f"/api/v1/tickets/{target}/merge", json={"source_ids": [source]}, headers=tenant.admin
    )
    assert merged.status_code == 200, merged.text
    assert _search(client, tenant, source_word) == [target]
    assert _search(client, tenant, subject_word) == [target]
    assert _search(client, tenant, target_word) == [target]
    client.post(f"/api/v1/tickets/{target}/spam", headers=tenant.admin)
    assert _search(client, tenant, target_word) == []


def test_search_stays_in_its_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    word = unique("iso")
    mine = _ticket(client, tenant, word, "x")
    _ticket(client, other_tenant, word, "x")
    assert _search(client, tenant, word) == [mine]


@pytest.mark.parametrize(
    "query",
    ["NEAR(", "AND OR", "NOT", "a OR b", "x:y", "^start", "(a", "a) OR (b", "it's", "a\\b"],
)
def test_hostile_queries_answer_200(client: TestClient, tenant: Tenant, query: str) -> None:
    response = client.get("/api/v1/tickets", params={"q": query}, headers=tenant.admin)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("query", ['"', "*", "-", "***", '" "', "\x00", "'", "\\", "💥 🔥"])
def test_queries_without_words_are_422(client: TestClient, tenant: Tenant, query: str) -> None:
    response = client.get("/api/v1/tickets", params={"q": query}, headers=tenant.admin)
    assert_problem(response, 422, "validation-error")


def test_very_long_queries_are_422(client: TestClient, tenant: Tenant) -> None:
    for query in ["a" * 10_000, " ".join(["word"] * 200), "打" * 600]:
        response = client.get("/api/v1/tickets", params={"q": query}, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")


def test_long_cjk_query_within_limits_works(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/tickets", params={"q": "打印" * 200}, headers=tenant.admin)
    assert response.status_code == 200, response.text


def test_common_word_walk_answers_like_the_match_lookup(
    client: TestClient,
    tenant: Tenant,
    other_tenant: Tenant,
    corpus: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On SQLite a word matching many tickets walks the list and probes the index per ticket
    (filters.COMMON_MATCHES); forced here, it must return what the lookup of matches returns."""
    from cxhub.service.tickets import filters

    word = unique("wk")
    ids = [_ticket(client, tenant, f"{word} {i}", "body") for i in range(5)]
    _ticket(client, other_tenant, word, "x")
    queries = ["printer", "PRINTER smoking", "print*", "打印机", "café creme brulee", word]

    def answers() -> tuple[dict[str, list[int]], list[int], list[int]]:
        found = {q: _search(client, tenant, q) for q in queries}
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": word, "status": "new", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/tickets", params=params, headers=tenant.admin).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        return found, seen, _search(client, tenant, word, status="solved")

    lookup = answers()
    assert lookup[0][word] == sorted(ids, reverse=True)
    assert lookup[1] == sorted(ids, reverse=True)
    monkeypatch.setattr(filters, "COMMON_MATCHES", -1)
    assert answers() == lookup
