"""Keyword search over published article versions: SQLite FTS5 and PostgreSQL behind one API.

The text is analysed in Python exactly as ticket search does it (ADR 0010, `search_text`):
case and diacritics folded, words split on non-letters, and CJK runs cut into overlapping
bigrams so Chinese (no spaces between words) is searchable by any substring of two characters
or more. The engines only index those tokens:

- SQLite: `kb_search`, an FTS5 table (rowid = translation id) with a `title` and a `body`
  column, ranked by `bm25` with the title weighted 3×;
- PostgreSQL: `kb_search(translation_id, document tsvector)`, the title's tokens weighted `A`,
  the body's `D`, ranked by `ts_rank` over a GIN index.

Unlike the ticket search box (all words must match, keyset order), knowledge search answers
questions typed in natural language ("how do I top up my card?"): a translation matches when it
shares *any* token with the query, and results come by relevance. The statements are plain SQL
outside the workspace hooks (ADR 0006), so every query names the workspace itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from cxhub.knowledge.articles.models import ArticleTranslation
from cxhub.service.tickets.search_text import MAX_DOCUMENT_CHARS, tokens

SEARCH_TABLE = "kb_search"
TOKENIZER = "unicode61 remove_diacritics 2"
#: A query keeps at most this many distinct tokens (the rarest are not known before asking,
#: so the first ones are kept: the start of a question usually names its subject).
MAX_QUERY_TOKENS = 48
TITLE_WEIGHT = 3.0
#: SQLite: documents ranked by the index before the workspace/language/audience filter.
PREFETCH = 400


def is_knowledge_index_table(name: str | None) -> bool:
    """`kb_search` and FTS5's shadow tables: not models, so schema comparison skips them."""
    return name is not None and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def analysed(value: str, *, limit: int = MAX_DOCUMENT_CHARS) -> str:
    """The tokens of `value` joined by spaces (what both engines index)."""
    return " ".join(tokens(value[:limit]))


#: Function words of questions in the Latin-script languages articles are written in (en, it,
#: id). Any-token matching would otherwise rank an article first for sharing "my" or "di" with
#: the question; they are dropped from queries (not from the index) unless nothing else is left.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "why",
        "will",
        "with",
        "you",
        "your",
        "i'm",
        "im",
        "a",
        "ai",
        "al",
        "alla",
        "che",
        "come",
        "con",
        "da",
        "del",
        "della",
        "di",
        "e",
        "il",
        "in",
        "la",
        "le",
        "lo",
        "mi",
        "mio",
        "mia",
        "non",
        "per",
        "perche",
        "si",
        "sono",
        "un",
        "una",
        "ada",
        "adalah",
        "akan",
        "apa",
        "bagaimana",
        "dan",
        "dari",
        "di",
        "ini",
        "itu",
        "kami",
        "ke",
        "mengapa",
        "saya",
        "tidak",
        "untuk",
        "yang",
    ]
)


#: SQLite: a question longer than this many tokens searches only its rarest ones (document
#: frequency from `kb_search_vocab`); tokens the index does not hold are dropped. A common
#: token adds little to BM25 (low IDF) but makes FTS5 rank most of the index: 48-token Chinese
#: and Indonesian questions cost 3-10× a short one (docs/benchmarks.md).
MAX_SEARCHED_TOKENS = 12


def rarest_tokens(session: Session, found: list[str], limit: int | None = None) -> list[str]:
    """The `limit` tokens of `found` in the fewest documents (ties: question order), SQLite only;
    `found` unchanged when short enough or on PostgreSQL."""
    limit = MAX_SEARCHED_TOKENS if limit is None else limit
    if len(found) <= limit or _dialect(session) != "sqlite":
        return found
    names = {f"t{i}": token for i, token in enumerate(found)}
    rows = session.execute(
        text(
            "SELECT term, doc FROM kb_search_vocab WHERE term IN ("  # noqa: S608 - bound names only
            + ", ".join(f":{name}" for name in names)
            + ")"
        ),
        names,
    ).all()
    frequency = {str(term): int(doc) for term, doc in rows}
    held = [token for token in found if token in frequency]
    held.sort(key=lambda token: frequency[token])  # stable: question order among equals
    return held[:limit]


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a question, in order, function words left out (unless the question
    has nothing else), at most `MAX_QUERY_TOKENS`."""
    found = list(dict.fromkeys(tokens(query[:2000])))
    meaningful = [t for t in found if t not in STOP_WORDS]
    return (meaningful or found)[:MAX_QUERY_TOKENS]


def index_translation(session: Session, *, translation: ArticleTranslation) -> None:
    """Write the translation's document (call after it is published or edited)."""
    title = analysed(translation.title)
    body = analysed(translation.body_text)
    drop_translation(session, translation_id=translation.id, keep_embedding=True)
    if _dialect(session) == "postgresql":
        session.execute(
            text(
                "INSERT INTO kb_search (translation_id, document) VALUES (:id, "
                "setweight(to_tsvector('simple'::regconfig, :title), 'A') || "
                "setweight(to_tsvector('simple'::regconfig, :body), 'D'))"
            ),
            {"id": translation.id, "title": title, "body": body},
        )
    else:
        session.execute(
            text("INSERT INTO kb_search (rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": translation.id, "title": title, "body": body},
        )


def drop_translation(
    session: Session, *, translation_id: int, keep_embedding: bool = False
) -> None:
    """Remove a translation from keyword search (and from semantic search unless told)."""
    statement = (
        "DELETE FROM kb_search WHERE translation_id = :id"
        if _dialect(session) == "postgresql"
        else "DELETE FROM kb_search WHERE rowid = :id"
    )
    session.execute(text(statement), {"id": translation_id})
    if not keep_embedding:
        session.execute(
            text("DELETE FROM kb_embeddings WHERE translation_id = :id"), {"id": translation_id}
        )


@dataclass(frozen=True)
class KeywordHit:
    translation_id: int
    article_id: int
    #: Higher is better (bm25 negated on SQLite, ts_rank on PostgreSQL): comparable within
    #: one result list only.
    score: float


def _filters(language: str | None, public_only: bool) -> str:
    sql = " AND t.workspace_id = :workspace_id AND t.status = 'published'"
    if language is not None:
        sql += " AND t.language = :language"
    if public_only:
        sql += " AND a.audience = 'public'"
    return sql


def keyword_search(
    session: Session,
    *,
    workspace_id: int,
    query: str,
    language: str | None,
    public_only: bool,
    limit: int = 20,
) -> list[KeywordHit]:
    """Published translations sharing tokens with `query`, best first ([] for no tokens)."""
    found = query_tokens(query)
    if not found:
        return []
    found = rarest_tokens(session, found)
    if not found:  # none of its tokens is in the index
        return []
    params: dict[str, object] = {
        "workspace_id": workspace_id,
        "language": language,
        "limit": limit,
    }
    where = _filters(language, public_only)
    if _dialect(session) == "postgresql":
        lexemes = " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in found)
        params["query"] = lexemes
        statement = (
            "SELECT t.id, t.article_id, ts_rank(s.document, CAST(:query AS tsquery)) AS score "
            "FROM kb_search s JOIN kb_translations t ON t.id = s.translation_id "
            "JOIN kb_articles a ON a.id = t.article_id "
            "WHERE s.document @@ CAST(:query AS tsquery)" + where + " "
            "ORDER BY score DESC, t.id LIMIT :limit"
        )
    else:
        params["query"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in found)
        # bm25() only works where FTS5 drives the scan: rank in a materialised CTE, then join.
        # First only the index's best PREFETCH documents are joined and filtered (workspace,
        # language, audience): any document outside them scores lower than all of them, so
        # when `limit` survive they are the true best. Otherwise every match is ranked.
        ranked = (
            "WITH m AS MATERIALIZED (SELECT rowid AS id, "  # noqa: S608 - constants and bound parameters only
            f"-bm25(kb_search, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM kb_search WHERE kb_search MATCH :query {cut}) "
            "SELECT t.id, t.article_id, m.score FROM m JOIN kb_translations t ON t.id = m.id "
            "JOIN kb_articles a ON a.id = t.article_id WHERE 1 = 1" + where + " "
            "ORDER BY m.score DESC, t.id LIMIT :limit"
        )
        params["prefetch"] = PREFETCH
        rows = session.execute(
            text(ranked.format(cut="ORDER BY score DESC LIMIT :prefetch")), params
        ).all()
        if len(rows) < limit:
            rows = session.execute(text(ranked.format(cut="")), params).all()
        return [KeywordHit(int(r[0]), int(r[1]), float(r[2])) for r in rows]
    rows = session.execute(text(statement), params).all()
    return [KeywordHit(int(r[0]), int(r[1]), float(r[2])) for r in rows]
