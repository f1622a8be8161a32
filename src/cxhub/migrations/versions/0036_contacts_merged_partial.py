"""contacts' merged_into_id index only over merged contacts (partial)

The full index on `contacts.merged_into_id` held every contact, nearly all with NULL. SQLite
without statistics (a new install, or before the upkeep's first ANALYZE) took it for the
"live contacts of these accounts" queries (`merged_into_id IS NULL AND account_id IN (…)`):
every live contact of the database read per query; the success summary's member lookup at
50,000 accounts spent 6.4 s of its 12.7 there. As a partial index (`merged_into_id IS NOT
NULL`, ADR 0043's form for optional references) it cannot serve `IS NULL`, still serves the
foreign-key lookup of a deleted contact's merged tombstones, and holds only the merged rows.

Revision ID: 0036_contacts_merged_partial
Revises: 0035_expansion_snapshots
Create Date: 2026-11-28 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036_contacts_merged_partial"
down_revision: str | None = "0035_expansion_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MERGED = sa.text("merged_into_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_contacts_merged_into_id", table_name="contacts")
    op.create_index(
        "ix_contacts_merged_into_id",
        "contacts",
        ["merged_into_id"],
        sqlite_where=MERGED,
        postgresql_where=MERGED,
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_merged_into_id", table_name="contacts")
    op.create_index("ix_contacts_merged_into_id", "contacts", ["merged_into_id"])
