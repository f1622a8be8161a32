"""Portal tables: who may use the portal (and see how much), sign-in links, sessions, branding.

`contact_id` columns carry no foreign key on purpose (ADR 0021): a contact merge re-points every
foreign key to the winner and an erasure re-points them to the erased-contact placeholder, and
neither may carry a portal session or role along. A merged-away contact's rows simply stop
working (`signin.resolve_session` refuses tombstones); erasure deletes them
(`portal.erasure`); a deleted contact's rows resolve to nobody.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow


class PortalRole(StrEnum):
    """What a contact may do in the portal (a contact without a row is a `member`)."""

    #: Their own tickets only.
    MEMBER = "member"
    #: Also every ticket of their account (a customer's IT lead following the team's requests).
    ACCOUNT_ADMIN = "account_admin"
    #: May not sign in (an agent revoked access).
    NO_ACCESS = "no_access"


class PortalAccess(IdMixin, WorkspaceScoped, Base):
    """A contact's portal role, set by agents; absent means `member`."""

    __tablename__ = "portal_access"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(IdType, index=True)
    role: Mapped[PortalRole] = mapped_column(
        SAEnum(
            PortalRole,
            name="portal_role",
            native_enum=False,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=PortalRole.MEMBER,
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PortalSignInLink(IdMixin, WorkspaceScoped, Base):
    """An e-mailed sign-in link: only the hash of its token is kept; single use, short-lived."""

    __tablename__ = "portal_sign_in_links"
    __table_args__ = (Index("ix_portal_sign_in_links_expires", "expires_at"),)

    contact_id: Mapped[int] = mapped_column(IdType, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class PortalSession(IdMixin, WorkspaceScoped, Base):
    """A signed-in customer's browser session (distinct from agents' `web_sessions`)."""

    __tablename__ = "portal_sessions"
    __table_args__ = (Index("ix_portal_sessions_expires", "expires_at"),)

    contact_id: Mapped[int] = mapped_column(IdType, index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class PortalSettings(IdMixin, WorkspaceScoped, Base):
    """Whether the workspace's portal is on, and its branding (name, logo, primary colour)."""

    __tablename__ = "portal_settings"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(200))
    primary_colour: Mapped[str] = mapped_column(String(7), default="#2457c5")
    # Small (≤ 256 KB) and read on every portal page: kept in the row, backed up with it.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_content_type: Mapped[str | None] = mapped_column(String(32))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
