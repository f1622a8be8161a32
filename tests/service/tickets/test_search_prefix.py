"""Prefix search (`refu*`, ADR 0017) on whichever engine the suite runs.

On SQLite a prefix reaches FTS5 in one of three shapes (prefix index, expanded into its
completing words, FTS5's own expansion) and the list in one of two (lookup of the matches, or
the walk in `updated_at` order): every combination must give the same rows in the same order,
and the rows the analysis says match. PostgreSQL answers `:*` from its GIN index and must agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cxhub.core.pagination import PageRequest
from cxhub.service.tickets import filters, search
from cxhub.service.tickets.search_text import parse_query, tokens
from tests.factories import Tenant, unique

# PostgreSQL's parser reads `5e3ab` as the number `5e3` and the word `ab` (a known difference of
# the engines, not of prefixes): the random words of these tests are kept to letters.
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _word(prefix: str) -> str:
    return unique(prefix).translate(_LETTERS)


def _ticket(client: TestClient, tenant: Tenant, subject: str, body: str) -> int:
    payload = {
        "subject": subject,
        "description": body,
        "requester": {"emails": [f"{unique('r')}@example.com"]},
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _pages(client: TestClient, tenant: Tenant, q: str, **params: Any) -> list[int]:
    """Every page of the search, two tickets per page (cursors included in the comparison)."""
    seen: list[int] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"q": q, "limit": 2, **params}
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/tickets", params=query, headers=tenant.admin)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


def _list_order(client: TestClient, tenant: Tenant, ids: set[int]) -> list[int]:
    """`ids` in the list's default order (-updated_at), as the unfiltered list gives them."""
    response = client.get("/api/v1/tickets", params={"limit": 200}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"] if item["id"] in ids]


def _is_sqlite(tenant: Tenant) -> bool:
    assert tenant.runtime is not None
    return tenant.runtime.engine.dialect.name == "sqlite"


def _every_shape(
    monkeypatch: pytest.MonkeyPatch, answer: Callable[[], Any], *, sqlite: bool
) -> Iterator[tuple[str, Any]]:
    """The answer under each strategy: as chosen, with the walk forced, with FTS5's own
    expansion only (no completions), and with the walk forced on top of that."""
    yield "chosen", answer()
    if not sqlite:
        return
    with monkeypatch.context() as patch:
        patch.setattr(filters, "COMMON_MATCHES", -1)
        yield "walk", answer()
    with monkeypatch.context() as patch:
        patch.setattr(search, "MAX_PREFIX_COMPLETIONS", 0)
        yield "fts5 expansion", answer()
    with monkeypatch.context() as patch:
        patch.setattr(search, "MAX_PREFIX_COMPLETIONS", 1)
        patch.setattr(filters, "COMMON_MATCHES", -1)
        yield "capped + walk", answer()


def test_prefixes_of_every_length_give_the_same_rows_in_every_shape(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    stem = _word("pf")  # words of this test only: `stem*` expands to exactly these
    ids = {
        "printer": _ticket(client, tenant, "Printer on fire", "It started smoking."),
        "printing": _ticket(client, tenant, "Printing is slow", "One page per minute."),
        "pricing": _ticket(client, tenant, "Question about pricing", "Annual billing?"),
        "mail": _ticket(client, tenant, "E-mail bounced", "My e-mails never arrive"),
        "cafe": _ticket(client, tenant, "Café order", "La crème brûlée più tardi"),
        "mixed": _ticket(client, tenant, "iPhone手机 refurbished", "打印机 offline"),
        "stem a": _ticket(client, tenant, f"{stem}alpha", "x"),
        "stem b": _ticket(client, tenant, f"{stem}beta {stem}alpha", "x"),
    }
    _ticket(client, other_tenant, f"Printer {stem}alpha", "elsewhere")
    expected = {
        "pr*": {"printer", "printing", "pricing"},
        "pri*": {"printer", "printing", "pricing"},
        "prin*": {"printer", "printing"},
        "print*": {"printer", "printing"},
        "printi*": {"printing"},
        "printer*": {"printer"},
        "printers*": set(),
        "PRINT* smok*": {"printer"},
        "e-ma*": {"mail"},
        "e-mails*": {"mail"},
        "caf*": {"cafe"},
        "CAFÉ*": {"cafe"},
        "brul*": {"cafe"},
        "pi*": {"cafe"},
        "手机 refurb*": {"mixed"},
        "打印 off*": {"mixed"},
        "打印*": {"mixed"},  # a CJK "prefix" is the substring search it already is
        "打*": {"mixed"},
        f"{stem}*": {"stem a", "stem b"},
        f"{stem}a*": {"stem a", "stem b"},
        f"{stem}b*": {"stem b"},
        f"{stem}beta {stem}al*": {"stem b"},
        f"{stem}x*": set(),
    }
    sqlite = _is_sqlite(tenant)
    for q, names in expected.items():
        wanted = _list_order(client, tenant, {ids[name] for name in names})

        def answer(q: str = q) -> tuple[list[int], list[int]]:
            return _pages(client, tenant, q), _pages(client, tenant, q, status="new")

        for shape, found in _every_shape(monkeypatch, answer, sqlite=sqlite):
            assert found == (wanted, wanted), (q, shape)


def test_random_prefixes_find_what_the_analysis_says(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words over a small alphabet share many prefixes of every length; each prefix query must
    return the tickets having a word that starts with it, in list order, in every shape."""
    rng = random.Random(20261126)
    stem = _word("rq")[2:7]  # five random letters, keeps the words to this test
    alphabet = "abé"
    documents: dict[int, list[str]] = {}
    for _ in range(24):
        words = [
            stem + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
            for _ in range(rng.randint(1, 4))
        ]
        ticket = _ticket(client, tenant, " ".join(words), "body")
        documents[ticket] = tokens(" ".join(words))
    queries = {stem[:2] + "*", stem[:3] + "*", stem[:4] + "*", stem + "*"}
    while len(queries) < 24:
        queries.add(stem + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) + "*")
    sqlite = _is_sqlite(tenant)
    for q in sorted(queries):
        prefix = parse_query(q)[0].tokens[-1]
        matching = {t for t, words in documents.items() if any(w.startswith(prefix) for w in words)}

        def answer(q: str = q) -> list[int]:
            return _pages(client, tenant, q)

        wanted = _list_order(client, tenant, matching)
        for shape, found in _every_shape(monkeypatch, answer, sqlite=sqlite):
            assert found == wanted, (q, shape)


# --- SQLite: which shape a prefix takes -------------------------------------------------------


@pytest.fixture
def sqlite_session(tenant: Tenant) -> Iterator[Session]:
    if not _is_sqlite(tenant):
        pytest.skip("the FTS5 prefix shapes exist on SQLite only")
    with tenant.session() as session:
        yield session


def test_short_prefixes_use_the_prefix_index_and_longer_ones_their_completions(
    client: TestClient, tenant: Tenant, sqlite_session: Session
) -> None:
    stem = unique("cx")
    for suffix in ("one", "two", "three"):
        _ticket(client, tenant, f"{stem}{suffix}", "x")
    assert search.prefix_completions(sqlite_session, stem, cap=3) == [
        f"{stem}one",
        f"{stem}three",
        f"{stem}two",
    ]
    assert search.prefix_completions(sqlite_session, stem, cap=2) is None
    assert search.prefix_completions(sqlite_session, stem + "zz", cap=2) == []

    short = search.fts5_match(sqlite_session, "cx*")
    assert short == search.Fts5Match('"cx" *', probes_cheaply=True)
    long = search.fts5_match(sqlite_session, f"{stem}t* smoke")
    assert long.expression == f'("{stem}three" OR "{stem}two") AND "smoke"'
    assert long.probes_cheaply


def test_a_prefix_with_too_many_completions_is_left_to_fts5_and_not_walked(
    client: TestClient,
    tenant: Tenant,
    sqlite_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stem = unique("cy")
    for suffix in ("one", "two", "three"):
        _ticket(client, tenant, f"{stem}{suffix}", "x")
    monkeypatch.setattr(search, "MAX_PREFIX_COMPLETIONS", 2)
    monkeypatch.setattr(filters, "COMMON_MATCHES", 1)
    match = search.fts5_match(sqlite_session, f"{stem}*")
    assert match == search.Fts5Match(f'"{stem}" *', probes_cheaply=False)
    walk_filter = filters.TicketFilter(q=f"{stem}*")
    assert not filters._walks_search(sqlite_session, walk_filter, "-updated_at")
    assert filters._walks_search(sqlite_session, filters.TicketFilter(q="cy*"), "-updated_at")


def test_a_word_indexed_in_the_same_transaction_completes_a_prefix(
    client: TestClient, tenant: Tenant, sqlite_session: Session
) -> None:
    """The completions are remembered per transaction, and forgotten when the index changes."""
    from cxhub.service.tickets.models import Ticket
    from cxhub.service.tickets.service import list_tickets

    stem = unique("cz")
    ticket_id = _ticket(client, tenant, f"{stem}first", "x")
    other_id = _ticket(client, tenant, "nothing yet", "x")
    q = f"{stem}*"
    assert [t.id for t in list_tickets(sqlite_session, page=PageRequest(10), q=q).items] == [
        ticket_id
    ]
    other = sqlite_session.get(Ticket, other_id)
    assert other is not None
    other.subject = f"{stem}second"
    search.reindex_ticket(sqlite_session, ticket=other)
    found = {t.id for t in list_tickets(sqlite_session, page=PageRequest(10), q=q).items}
    assert found == {ticket_id, other_id}


def test_fts5_token_is_what_fts5_makes_of_an_analysed_token() -> None:
    assert search.fts5_token("refu") == "refu"
    assert search.fts5_token("cafe") == "cafe"
    assert search.fts5_token("προσ") == "προσ"
    # `ᴬ` folds (NFKD) to an upper-case `A`, which FTS5 lower-cases: its range starts at `ab`.
    assert search.fts5_token(tokens("ᴬb")[0]) == "ab"
    # Tai Lue vowel signs separate words for FTS5: no single token, FTS5 expands it itself.
    assert search.fts5_token("a\u19b0a") is None
