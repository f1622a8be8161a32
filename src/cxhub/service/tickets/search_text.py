"""Ticket search text analysis: what a document indexes and what a query asks, with no database.

Both engines receive text already cut into words here, so SQLite FTS5 and PostgreSQL `tsvector`
see the same tokens and agree on what matches (docs/tickets-search-views.md):

- words are runs of letters and digits (punctuation and `_` separate them), case-folded and
  stripped of diacritics (`Café` → `cafe`), since PostgreSQL's `simple` configuration has no
  accent folding of its own;
- Chinese, Japanese and Korean have no spaces between words, so a run of CJK characters is
  indexed as overlapping **bigrams** (`打印机坏了` → `打印 印机 机坏 坏了`) and a query of two or
  more CJK characters becomes the phrase of its bigrams, which finds any substring. A one-character
  run is indexed as itself, and every distinct CJK character of the ticket is listed once at the
  end of the document, so a one-character query finds it too.

A query is a list of terms ANDed together: bare words, prefixes (`print*`, two characters or
more) and quoted phrases. Operators of the engines' own syntaxes (`NEAR`, `OR`, `-`, `:`, `^`)
are ordinary words or separators here: the query sent to the engine is built from analysed
tokens only, each quoted, so user input can never produce an FTS syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Everything from the start of a ticket's text up to this many characters is searchable; a
# PostgreSQL tsvector must stay under 1 MB, and both engines index the same cut.
MAX_DOCUMENT_CHARS = 200_000
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
MIN_PREFIX_CHARS = 2

_WORD = re.compile(r"[^\W_]+")
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def fold(text: str) -> str:
    """Case-fold and drop diacritics (NFKD, combining marks removed), as both engines need."""
    if text.isascii():
        return text.lower()  # ASCII: casefold is lower, NFKD/NFC change nothing, no marks
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def _runs(word: str) -> list[tuple[str, bool]]:
    """Split a word into (run, is_cjk) pieces: `iphone手机` → [("iphone", False), ("手机", True)]."""
    if word.isascii():
        return [(word, False)]  # every CJK range lies far above ASCII
    runs: list[tuple[str, bool]] = []
    for char in word:
        cjk = is_cjk(char)
        if runs and runs[-1][1] == cjk:
            runs[-1] = (runs[-1][0] + char, cjk)
        else:
            runs.append((char, cjk))
    return runs


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[str]:
    """The index tokens of `text`, in order (CJK runs as bigrams)."""
    result: list[str] = []
    for word in _WORD.findall(fold(text)):
        for run, cjk in _runs(word):
            result.extend(_bigrams(run) if cjk else [run])
    return result


def index_document(texts: list[str]) -> str:
    """The text an engine indexes for one ticket: its tokens separated by single spaces (so
    both engines split it identically), then each distinct CJK character once."""
    words: list[str] = []
    length = 0
    for text in texts:
        for token in tokens(text[: MAX_DOCUMENT_CHARS - length]):
            words.append(token)
            length += len(token) + 1
        if length >= MAX_DOCUMENT_CHARS:
            break
    present = set(words)
    characters = dict.fromkeys(c for word in words if not word.isascii() for c in word if is_cjk(c))
    return " ".join(words + [c for c in characters if c not in present])


@dataclass(frozen=True)
class Term:
    """Tokens that must appear next to each other, in order; `prefix` on the last one."""

    tokens: tuple[str, ...]
    prefix: bool = False


class QueryError(ValueError):
    """The query cannot be searched (no words, too long, too many terms); `str()` says why."""


_PIECE = re.compile(r'"([^"]*)"?|([^\s"]+)')


def parse_query(query: str) -> list[Term]:
    """The terms of a search box query; raises QueryError for a query that has none.

    `"a b"` is a phrase (an unclosed quote runs to the end), `word*` a prefix, anything else a
    word; a word that analyses to several tokens (`e-mail`, `打印机`) must match as a phrase.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"a search is at most {MAX_QUERY_CHARS} characters")
    terms: list[Term] = []
    for match in _PIECE.finditer(query):
        phrase, word = match.group(1), match.group(2)
        text = phrase if phrase is not None else word
        found = tokens(text)
        if not found:
            continue
        prefix = (
            phrase is None
            and word.endswith("*")
            and len(found[-1]) >= MIN_PREFIX_CHARS
            and not is_cjk(found[-1][-1])
        )
        term = Term(tuple(found), prefix)
        if term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError("the search has no letters or digits to look for")
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"a search has at most {MAX_QUERY_TERMS} words or phrases")
    return terms


def _fts5_phrase(tokens: tuple[str, ...]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def fts5_query(terms: list[Term], completions: Mapping[Term, Sequence[str]] | None = None) -> str:
    """An FTS5 MATCH expression: each term a quoted string (phrase), implicitly ANDed.

    A prefix term listed in `completions` is written as the OR of its phrase completed with each
    of the given words (`"refund" OR "refunded"` for `refu*`) instead of FTS5's own prefix query
    (`"refu" *`); given every word of the index that starts with the prefix, both match the same
    tickets (see `search.py` for why the expanded form is faster)."""
    parts = []
    for term in terms:
        words = (completions or {}).get(term) if term.prefix else None
        if words:
            alternatives = [_fts5_phrase((*term.tokens[:-1], word)) for word in words]
            parts.append("(" + " OR ".join(alternatives) + ")")
        else:
            quoted = _fts5_phrase(term.tokens)
            parts.append(quoted + " *" if term.prefix else quoted)
    return " AND ".join(parts)


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """`[low, high)` such that a string starts with `prefix` exactly when it lies in the range,
    in code point order (= UTF-8 byte order, FTS5's term order): `refu` → (`refu`, `refv`).
    `high` is None when every string from `prefix` on starts with it (a prefix of U+10FFFF)."""
    stem = prefix
    while stem:
        code = ord(stem[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates are no characters: the next one is U+E000
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix, stem[:-1] + chr(code)
        stem = stem[:-1]
    return prefix, None


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL tsquery literal (cast, not parsed by `to_tsquery`, so nothing is re-split):
    phrases with `<->`, prefix as `:*`, terms joined by `&`."""
    parts = []
    for term in terms:
        lexemes = [_lexeme(t) for t in term.tokens]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)
