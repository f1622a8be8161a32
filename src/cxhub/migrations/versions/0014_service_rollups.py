"""service_kpi_rollups, service_kpi_rollup_days, service_kpi_dirty_days: daily rollups of the
service KPIs (ADR 0019). Built by the `analytics.service_rollups` job or
`cxhub admin rebuild-rollups`; until then the KPIs are computed live, as before.

Revision ID: 0014_service_rollups
Revises: 0013
Create Date: 2026-11-26 13:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0014_service_rollups"
down_revision: str | None = "0016_playbooks_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "service_kpi_rollups",
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("solved", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("one_touch", sa.Integer(), nullable=False),
        sa.Column("csat_ratings", sa.Integer(), nullable=False),
        sa.Column("csat_satisfied", sa.Integer(), nullable=False),
        sa.Column(
            "sla",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
            .with_variant(sqlite.JSON(), "sqlite"),
            nullable=False,
        ),
        sa.Column("first_reply", sa.LargeBinary(), nullable=False),
        sa.Column("first_reply_business", sa.LargeBinary(), nullable=False),
        sa.Column("resolution", sa.LargeBinary(), nullable=False),
        sa.Column("resolution_business", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_service_kpi_rollups_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "dimension", "day", "group_key", name=op.f("pk_service_kpi_rollups")
        ),
    )
    op.create_table(
        "service_kpi_rollup_days",
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("built_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_service_kpi_rollup_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "day", name=op.f("pk_service_kpi_rollup_days")),
    )
    op.create_table(
        "service_kpi_dirty_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_service_kpi_dirty_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_kpi_dirty_days")),
    )
    op.create_index(
        "ix_service_kpi_dirty_days_day",
        "service_kpi_dirty_days",
        ["workspace_id", "day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_service_kpi_dirty_days_day", table_name="service_kpi_dirty_days")
    op.drop_table("service_kpi_dirty_days")
    op.drop_table("service_kpi_rollup_days")
    op.drop_table("service_kpi_rollups")
