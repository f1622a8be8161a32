"""portal: customer sign-in links, portal sessions, portal roles, branding (issue 6)

Revision ID: 0021_portal
Revises: 0014_service_rollups
Create Date: 2026-11-26 16:12:33.198200
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cxhub.core.db

revision: str = "0021_portal"
down_revision: str | None = "0014_service_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_access",
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "role",
            sa.Enum("member", "account_admin", "no_access", name="portal_role", native_enum=False),
            nullable=False,
        ),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_portal_access_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_access")),
        sa.UniqueConstraint(
            "workspace_id", "contact_id", name=op.f("uq_portal_access_workspace_id_contact_id")
        ),
    )
    with op.batch_alter_table("portal_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_access_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "portal_sessions",
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_portal_sessions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_portal_sessions_session_hash")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_portal_sessions_expires", ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "portal_settings",
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("primary_colour", sa.String(length=7), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_content_type", sa.String(length=32), nullable=True),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_portal_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_portal_settings_workspace_id")),
    )
    op.create_table(
        "portal_sign_in_links",
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", cxhub.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_portal_sign_in_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sign_in_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_portal_sign_in_links_token_sha256")),
    )
    with op.batch_alter_table("portal_sign_in_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sign_in_links_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_portal_sign_in_links_expires", ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_portal_sign_in_links_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sign_in_links_workspace_id"))
        batch_op.drop_index("ix_portal_sign_in_links_expires")
        batch_op.drop_index(batch_op.f("ix_portal_sign_in_links_contact_id"))

    op.drop_table("portal_sign_in_links")
    op.drop_table("portal_settings")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_workspace_id"))
        batch_op.drop_index("ix_portal_sessions_expires")
        batch_op.drop_index(batch_op.f("ix_portal_sessions_contact_id"))

    op.drop_table("portal_sessions")
    with op.batch_alter_table("portal_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_access_contact_id"))

    op.drop_table("portal_access")
