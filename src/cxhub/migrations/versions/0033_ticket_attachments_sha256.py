"""ticket attachments indexed by their file's checksum, for the purge of unused files

A stored file is deleted once no attachment row of any workspace references its sha256
(retention, erasure, the daily sweep). Without an index each such check read the whole
`ticket_attachments` table, under SQLite's write lock: a retention run unreferencing a
thousand files scanned it a thousand times.

Revision ID: 0033_ticket_attachments_sha256
Revises: 0032_health_scores_day_account
Create Date: 2026-11-27 21:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033_ticket_attachments_sha256"
down_revision: str | None = "0032_health_scores_day_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "ticket_attachments"
_INDEX = "ix_ticket_attachments_sha256"


def upgrade() -> None:
    op.create_index(_INDEX, _TABLE, ["sha256"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name=_TABLE)
