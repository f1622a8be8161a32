"""topic_models, topics, topic_assignments: discovered recurring topics of customer text, the
workspace's nearest-centroid classifier and which text is in which topic (ADR 0027).

Revision ID: 0027_topics
Revises: 0026_journeys
Create Date: 2026-11-26 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

import cxhub.core.db

revision: str = "0027_topics"
down_revision: str | None = "0026_journeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = (
    sa.JSON()
    .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    .with_variant(sqlite.JSON(), "sqlite")
)
_TS = cxhub.core.db.UTCDateTime(timezone=True)


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "topic_models",
        sa.Column("feature_kind", sa.String(length=32), nullable=False),
        sa.Column("idf", _JSON, nullable=False),
        sa.Column("default_idf", sa.Float(), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("k_scores", _JSON, nullable=False),
        sa.Column("discovered_at", _TS, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        _workspace_fk("topic_models"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_models")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_topic_models_workspace_id")),
    )
    op.create_table(
        "topics",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("keywords", _JSON, nullable=False),
        sa.Column("intent", sa.String(length=80), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into_id", _ID, nullable=True),
        sa.Column("signature", _JSON, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["topics.id"],
            name=op.f("fk_topics_merged_into_id_topics"),
            ondelete="SET NULL",
        ),
        _workspace_fk("topics"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index("ix_topics_status", ["workspace_id", "status"], unique=False)
    op.create_table(
        "topic_assignments",
        sa.Column("topic_id", _ID, nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("written_at", _TS, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_assignments_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_topic_assignments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_topic_assignments_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_topic_assignments_account_id_accounts"),
            ondelete="SET NULL",
        ),
        _workspace_fk("topic_assignments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_assignments")),
        sa.UniqueConstraint(
            "workspace_id",
            "source_type",
            "source_id",
            name=op.f("uq_topic_assignments_workspace_id_source_type_source_id"),
        ),
    )
    with op.batch_alter_table("topic_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_topic_assignments_topic", ["workspace_id", "topic_id", "written_at"], unique=False
        )
        batch_op.create_index(
            "ix_topic_assignments_written", ["workspace_id", "written_at"], unique=False
        )
        batch_op.create_index(
            "ix_topic_assignments_contact", ["workspace_id", "contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_topic_assignments_ticket", ["workspace_id", "ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("topic_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_assignments_ticket")
        batch_op.drop_index("ix_topic_assignments_contact")
        batch_op.drop_index("ix_topic_assignments_written")
        batch_op.drop_index("ix_topic_assignments_topic")
    op.drop_table("topic_assignments")
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_index("ix_topics_status")
    op.drop_table("topics")
    op.drop_table("topic_models")
