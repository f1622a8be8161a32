"""login_failures: per-account failed logins and lockouts (issue Trust, ASVS 2.2)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:12:40.118532
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failed_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", cxhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
        sa.UniqueConstraint("email", name=op.f("uq_login_failures_email")),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
