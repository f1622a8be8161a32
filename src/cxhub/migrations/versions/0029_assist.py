"""agent assist: vectors of solved tickets' questions (similar solved tickets); SQLite: an
`fts5vocab` table over `kb_search` (document frequency of each token, so long questions search
their rarest tokens only).

Revision ID: 0029_assist
Revises: 0028_next_best_action
Create Date: 2026-11-26 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0029_assist"
down_revision: str | None = "0028_next_best_action"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kb_ticket_vectors",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_kb_ticket_vectors_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_kb_ticket_vectors_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_kb_ticket_vectors")),
    )
    with op.batch_alter_table("kb_ticket_vectors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_ticket_vectors_workspace", ["workspace_id", "model", "updated_at"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE kb_search_vocab USING fts5vocab(kb_search, row)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE kb_search_vocab")
    with op.batch_alter_table("kb_ticket_vectors", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_ticket_vectors_workspace")
    op.drop_table("kb_ticket_vectors")
