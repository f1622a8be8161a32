"""usage events: tracking write keys and the usage event inbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = (
    sa.JSON()
    .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    .with_variant(sqlite.JSON(), "sqlite")
)


def upgrade() -> None:
    op.create_table(
        "tracking_write_keys",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_tracking_write_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_write_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_tracking_write_keys_key_hash")),
    )
    op.create_index(
        op.f("ix_tracking_write_keys_workspace_id"),
        "tracking_write_keys",
        ["workspace_id"],
        unique=False,
    )
    op.create_table(
        "usage_events",
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("anonymous_id", sa.String(length=200), nullable=True),
        sa.Column("group_id", sa.String(length=200), nullable=True),
        sa.Column("timestamp", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("properties", _JSON, nullable=False),
        sa.Column("context", _JSON, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_usage_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
        sa.UniqueConstraint(
            "workspace_id", "message_id", name=op.f("uq_usage_events_workspace_id_message_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("usage_events")
    op.drop_index(op.f("ix_tracking_write_keys_workspace_id"), table_name="tracking_write_keys")
    op.drop_table("tracking_write_keys")
