"""text_analyses, text_analytics_settings: offline text analytics results per piece of customer
text (language, sentiment, topics) and the workspace's analysis mode (ADR 0024).

Revision ID: 0024_text_analytics
Revises: 0014_service_rollups
Create Date: 2026-11-26 16:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0024_text_analytics"
down_revision: str | None = "0021_portal"
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
        "text_analyses",
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("topics", _JSON, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("text_written_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("analysed_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_text_analyses_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_text_analyses_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_text_analyses_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_analyses_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_analyses")),
        sa.UniqueConstraint(
            "workspace_id",
            "source_type",
            "source_id",
            name=op.f("uq_text_analyses_workspace_id_source_type_source_id"),
        ),
    )
    with op.batch_alter_table("text_analyses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_text_analyses_ticket", ["workspace_id", "ticket_id"], unique=False
        )
        batch_op.create_index(
            "ix_text_analyses_contact",
            ["workspace_id", "contact_id", "text_written_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_text_analyses_account",
            ["workspace_id", "account_id", "text_written_at"],
            unique=False,
        )
    op.create_table(
        "text_analytics_settings",
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_analytics_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_analytics_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_text_analytics_settings_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("text_analytics_settings")
    with op.batch_alter_table("text_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_text_analyses_account")
        batch_op.drop_index("ix_text_analyses_contact")
        batch_op.drop_index("ix_text_analyses_ticket")
    op.drop_table("text_analyses")
