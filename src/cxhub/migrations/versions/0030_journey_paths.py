"""journeys: the path-prefix rollup `journey_path_prefixes` (ADR 0030), one row per customer
with their first ten collapsed touchpoint steps. Fill it for existing data with
`cxhub journeys rebuild-paths`.

Revision ID: 0030_journey_paths
Revises: 0029_assist
Create Date: 2026-11-26 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0030_journey_paths"
down_revision: str | None = "0029_assist"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STEPS = 10


def _time(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, cxhub.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    steps: list[sa.Column[object]] = []
    for n in range(_STEPS):
        steps.append(sa.Column(f"step_{n}", sa.String(length=64), nullable=True))
        steps.append(_time(f"step_{n}_at", nullable=True))
    op.create_table(
        "journey_path_prefixes",
        sa.Column("contact_id", _ID, nullable=False),
        _time("started_at", nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        _time("last_at", nullable=False),
        sa.Column("last_label", sa.String(length=64), nullable=False),
        *steps,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_journey_path_prefixes_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_journey_path_prefixes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_path_prefixes")),
    )
    with op.batch_alter_table("journey_path_prefixes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journey_path_prefixes_contact", ["workspace_id", "contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_journey_path_prefixes_started", ["workspace_id", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("journey_path_prefixes", schema=None) as batch_op:
        batch_op.drop_index("ix_journey_path_prefixes_started")
        batch_op.drop_index("ix_journey_path_prefixes_contact")
    op.drop_table("journey_path_prefixes")
