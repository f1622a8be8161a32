"""plan catalogue for expansion opportunities (issue Customer Success: expansion)

Revision ID: 0018_expansion
Revises: 0013
Create Date: 2026-11-26 13:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0018_expansion"
down_revision: str | None = "0015_search_prefix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_catalogues",
        sa.Column(
            "definition",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
            .with_variant(sqlite.JSON(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_plan_catalogues_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_catalogues")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_plan_catalogues_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("plan_catalogues")
