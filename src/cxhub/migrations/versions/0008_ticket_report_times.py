"""ticket report times: first solve and business-time first reply / resolution

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_solved_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("first_reply_business_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution_business_seconds", sa.Integer(), nullable=True))
    # Existing solved tickets: the current solve is the best known first solve.
    op.execute("UPDATE tickets SET first_solved_at = solved_at WHERE solved_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("resolution_business_seconds")
        batch_op.drop_column("first_reply_business_seconds")
        batch_op.drop_column("first_solved_at")
