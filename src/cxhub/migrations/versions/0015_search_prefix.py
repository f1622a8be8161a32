"""ticket search: FTS5 prefix index (2, 3, 4 characters) and a vocabulary table (ADR 0017)

SQLite only. FTS5 takes `prefix=` when a table is created, so `ticket_search` is rebuilt: a new
table is filled from the stored documents (no re-analysis, the text is already analysed), the
old one dropped and the new one renamed, then merged into one segment (`optimize`). The
`fts5vocab` table `ticket_search_vocab` lists the index's words, to expand longer prefixes.

PostgreSQL already answers prefixes (`'refu':*`) from the GIN index: nothing to do there.

Revision ID: 0015_search_prefix
Revises: 0013
Create Date: 2026-11-26 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_search_prefix"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "unicode61 remove_diacritics 2"


def _rebuild(options: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE ticket_search_rebuilt USING fts5("
        f"document, tokenize = '{TOKENIZER}'{options})"
    )
    # Merge segments only once 16 of a level exist while loading (FTS5's default is 4): the load
    # merges less often and `optimize` merges everything at the end; about half the time.
    op.execute(
        "INSERT INTO ticket_search_rebuilt (ticket_search_rebuilt, rank) VALUES ('automerge', 16)"
    )
    op.execute(
        "INSERT INTO ticket_search_rebuilt (rowid, document) "
        "SELECT rowid, document FROM ticket_search"
    )
    op.execute(
        "INSERT INTO ticket_search_rebuilt (ticket_search_rebuilt, rank) VALUES ('automerge', 4)"
    )
    op.execute("DROP TABLE ticket_search")
    op.execute("ALTER TABLE ticket_search_rebuilt RENAME TO ticket_search")
    op.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(", prefix = '2 3 4'")
    op.execute("CREATE VIRTUAL TABLE ticket_search_vocab USING fts5vocab(ticket_search, row)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE ticket_search_vocab")
    _rebuild("")
