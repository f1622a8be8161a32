"""experience_nps_answers, next_action_decisions: NPS answers as recorded today (for the CX
dashboard and the detractor action) and the decisions taken on next best actions (ADR 0028).

Revision ID: 0028_next_best_action
Revises: 0027_topics
Create Date: 2026-11-26 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0028_next_best_action"
down_revision: str | None = "0027_topics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = cxhub.core.db.UTCDateTime(timezone=True)


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "experience_nps_answers",
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("responded_at", _TIME, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_experience_nps_answers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_experience_nps_answers_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        _workspace_fk("experience_nps_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience_nps_answers")),
    )
    with op.batch_alter_table("experience_nps_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_experience_nps_answers_time", ["workspace_id", "responded_at"], unique=False
        )
        batch_op.create_index(
            "ix_experience_nps_answers_account", ["workspace_id", "account_id"], unique=False
        )
    op.create_table(
        "next_action_decisions",
        sa.Column("customer_key", sa.String(length=40), nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("action_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", _TIME, nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_at", _TIME, nullable=True),
        sa.Column("decided_by_id", _ID, nullable=True),
        sa.Column("decided_at", _TIME, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_next_action_decisions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_next_action_decisions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_next_action_decisions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        _workspace_fk("next_action_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_next_action_decisions")),
        sa.UniqueConstraint(
            "workspace_id",
            "customer_key",
            "action_key",
            name=op.f("uq_next_action_decisions_workspace_id_customer_key_action_key"),
        ),
    )
    with op.batch_alter_table("next_action_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_next_action_decisions_time", ["workspace_id", "decided_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("next_action_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_next_action_decisions_time")
    op.drop_table("next_action_decisions")
    with op.batch_alter_table("experience_nps_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_experience_nps_answers_account")
        batch_op.drop_index("ix_experience_nps_answers_time")
    op.drop_table("experience_nps_answers")
