"""the workspace's expansion opportunities, stored (ADR 0044)

Every expansion rule needs the whole workspace's account facts (similar accounts), and the facts
need 30 days of product usage: the expansion list, an account's expansion and the next-best-
action panel computed all of it on every request. The snapshot keeps the result of one
computation per workspace for the rest of its UTC day while its inputs stay unchanged.

Revision ID: 0035_expansion_snapshots
Revises: 0034_foreign_key_indexes
Create Date: 2026-11-28 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0035_expansion_snapshots"
down_revision: str | None = "0034_foreign_key_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = (
    sa.JSON()
    .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    .with_variant(sqlite.JSON(), "sqlite")
)


def upgrade() -> None:
    op.create_table(
        "expansion_snapshots",
        sa.Column("as_of", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("compute_seconds", sa.Float(), nullable=False),
        sa.Column("inputs", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("accounts_considered", sa.Integer(), nullable=False),
        sa.Column("opportunities", sa.Integer(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_expansion_snapshots_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expansion_snapshots")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_expansion_snapshots_workspace_id")),
    )
    op.create_table(
        "expansion_opportunities",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=True),
        sa.Column("arr_upside_cents", sa.BigInteger(), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_expansion_opportunities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_expansion_opportunities_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expansion_opportunities")),
    )
    op.create_index(
        "ix_expansion_opportunities_account",
        "expansion_opportunities",
        ["account_id", "workspace_id"],
    )
    op.create_index(
        "ix_expansion_opportunities_rank", "expansion_opportunities", ["workspace_id", "position"]
    )
    op.create_index(
        "ix_expansion_opportunities_action",
        "expansion_opportunities",
        ["workspace_id", "action", "position"],
    )

    # a snapshot's validity check reads the last change of the subscriptions: one seek
    op.create_index("ix_subscriptions_changed", "subscriptions", ["workspace_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_changed", table_name="subscriptions")
    op.drop_table("expansion_opportunities")
    op.drop_table("expansion_snapshots")
