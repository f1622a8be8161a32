"""Search text analysis without a database: folding, CJK bigrams, query parsing and quoting."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxhub.service.tickets.search_text import (
    MAX_QUERY_CHARS,
    QueryError,
    Term,
    fold,
    fts5_query,
    index_document,
    is_cjk,
    parse_query,
    prefix_range,
    tokens,
    tsquery,
)


def test_words_are_folded_and_split_on_punctuation() -> None:
    assert tokens("Café CRÈME, e-mail_x Straße") == ["cafe", "creme", "e", "mail", "x", "strasse"]


def test_cjk_runs_become_bigrams_and_mixed_words_split() -> None:
    assert tokens("打印机坏了") == ["打印", "印机", "机坏", "坏了"]
    assert tokens("iPhone手机") == ["iphone", "手机"]
    assert tokens("好") == ["好"]


def test_document_lists_each_cjk_character_once_at_the_end() -> None:
    assert index_document(["打印机", "机器"]) == "打印 印机 机器 打 印 机 器"


def test_query_terms() -> None:
    assert parse_query('print* "out of paper" e-mail 打印机') == [
        Term(("print",), prefix=True),
        Term(("out", "of", "paper")),
        Term(("e", "mail")),
        Term(("打印", "印机")),
    ]


def test_short_prefix_is_a_word_and_unclosed_quote_runs_to_the_end() -> None:
    assert parse_query('a* "broken screen') == [Term(("a",)), Term(("broken", "screen"))]


@pytest.mark.parametrize("query", ['"', "*", "-", '""', "*** --- ?", "(:)"])
def test_queries_without_words_are_rejected(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_long_queries_are_rejected() -> None:
    with pytest.raises(QueryError):
        parse_query("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryError):
        parse_query(" ".join(f"w{i}" for i in range(40)))


def test_engine_syntax_is_quoted() -> None:
    terms = parse_query('NEAR( AND OR "x" -y col:z')
    assert fts5_query(terms) == '"near" AND "and" AND "or" AND "x" AND "y" AND "col z"'
    assert tsquery(parse_query("it's print*")) == "('it' <-> 's') & ('print':*)"


def test_prefix_completions_become_an_or_of_whole_words() -> None:
    terms = parse_query("e-ma* refu* printer")
    mail, refund = terms[0], terms[1]
    completions = {mail: ["mail", "mails"], refund: ["refund"]}
    assert fts5_query(terms, completions) == (
        '("e mail" OR "e mails") AND ("refund") AND "printer"'
    )
    # A prefix without completions (none given, or none in the index) stays FTS5's own.
    assert fts5_query(terms, {refund: []}) == '"e ma" * AND "refu" * AND "printer"'


@pytest.mark.parametrize(
    ("prefix", "high"),
    [
        ("refu", "refv"),
        ("caf\u00e9", "caf\u00ea"),
        ("a\ud7ff", "a\ue000"),  # the character after U+D7FF is U+E000 (no surrogates)
        ("ab\U0010ffff", "ac"),
        ("\U0010ffff", None),
    ],
)
def test_prefix_range_holds_exactly_the_completions(prefix: str, high: str | None) -> None:
    assert prefix_range(prefix) == (prefix, high)
    inside = [prefix, prefix + "a", prefix + "\U0010ffff" + "z"]
    for word in inside:
        assert word >= prefix
        assert high is None or word < high
    if high is not None:
        assert not high.startswith(prefix)
        outside = prefix[:-1] + chr(ord(prefix[-1]) - 1) + "\U0010ffff"
        assert not (prefix <= outside < high)


def _fold_slowly(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_fold_of_ascii_text_is_the_full_normalisation(text: str) -> None:
    """`fold` takes a shortcut for ASCII (most ticket text); it must equal the full path."""
    assert fold(text) == _fold_slowly(text)


def _tokens_slowly(text: str) -> list[str]:
    """`tokens` without its ASCII shortcuts: every character folded and classified."""
    result: list[str] = []
    for word in re.findall(r"[^\W_]+", _fold_slowly(text)):
        runs: list[tuple[str, bool]] = []
        for char in word:
            cjk = is_cjk(char)
            if runs and runs[-1][1] == cjk:
                runs[-1] = (runs[-1][0] + char, cjk)
            else:
                runs.append((char, cjk))
        for run, cjk in runs:
            pairs = [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]
            result.extend(pairs if cjk else [run])
    return result


MIXED_TEXT = st.text(alphabet=st.sampled_from("aZ9 _-.é\u00c5ǅ\ufb01打印机坏了ｶﾀ한국"), max_size=30)


@given(st.lists(st.one_of(MIXED_TEXT, st.text(max_size=30)), max_size=4))
def test_analysis_shortcuts_change_nothing(texts: list[str]) -> None:
    """The ASCII shortcuts of `tokens`/`index_document` give what the full analysis gives."""
    words = [token for text in texts for token in _tokens_slowly(text)]
    assert [token for text in texts for token in tokens(text)] == words
    present = set(words)
    characters = dict.fromkeys(c for word in words for c in word if is_cjk(c))
    assert index_document(texts) == " ".join(words + [c for c in characters if c not in present])
