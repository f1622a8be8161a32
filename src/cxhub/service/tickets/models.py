"""Ticket tables: tickets, their messages, attachments, tags, followers and number counters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow
from cxhub.customers.timeline.models import Channel

# "Live" tickets (not merged, not spam): every list, count and report filters on this, so the
# indexes that serve counts carry it as their WHERE and are read without touching the table.
# Spelled as SQLAlchemy renders the condition, so SQLite's planner can match it.
LIVE_SQLITE = text("merged_into_id IS NULL AND is_spam IS 0")
LIVE_POSTGRESQL = text("merged_into_id IS NULL AND is_spam IS false")
# The unsolved statuses as `filters.status_in` writes them (sorted), so SQLite sees the view's
# condition implies this index's WHERE (tests/service/tickets/test_filters.py checks it).
UNSOLVED_SQL = "status IN ('new', 'on_hold', 'open', 'pending')"


def _enum(enum_type: type[StrEnum], name: str) -> SAEnum:
    return SAEnum(
        enum_type,
        name=name,
        native_enum=False,
        values_callable=lambda members: [m.value for m in members],
    )


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AuthorKind(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


class DeliveryStatus(StrEnum):
    """Outbound e-mail state of a public agent reply (None when it is not sent by e-mail)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class TicketCounter(Base):
    """The last ticket number handed out in a workspace (numbers are per workspace, gap-free
    under concurrency because the increment row is locked by the writing transaction)."""

    __tablename__ = "ticket_counters"

    workspace_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "tickets"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("tickets", "follow_up_of_id", optional=True),
        UniqueConstraint("workspace_id", "number"),
        Index("ix_tickets_status_updated", "workspace_id", "status", "updated_at", "id"),
        Index("ix_tickets_assignee_status", "workspace_id", "assignee_id", "status", "updated_at"),
        Index("ix_tickets_team_status", "team_id", "workspace_id", "status", "updated_at"),
        Index("ix_tickets_requester", "requester_id", "workspace_id", "created_at"),
        Index("ix_tickets_account", "account_id", "workspace_id", "created_at"),
        Index("ix_tickets_created", "workspace_id", "created_at", "id"),
        Index("ix_tickets_sla_due", "workspace_id", "next_sla_due_at"),
        # 0009: the list and a common word's search walk tickets in `-updated_at` order.
        Index("ix_tickets_updated", "workspace_id", "updated_at", "id"),
        # 0009: capped view counts ("all unsolved", "breaching within 1h") read index entries only.
        Index(
            "ix_tickets_live_status",
            "workspace_id",
            "status",
            "updated_at",
            "id",
            sqlite_where=LIVE_SQLITE,
            postgresql_where=LIVE_POSTGRESQL,
        ),
        Index(
            "ix_tickets_live_sla_due",
            "workspace_id",
            "next_sla_due_at",
            "status",
            sqlite_where=LIVE_SQLITE,
            postgresql_where=LIVE_POSTGRESQL,
        ),
        # 0009: the unsolved live tickets (a few % of all) by `updated_at`: "all unsolved", its
        # deep pages and unassigned ones read this small index in list order.
        Index(
            "ix_tickets_unsolved",
            "workspace_id",
            "updated_at",
            "id",
            sqlite_where=text(f"{UNSOLVED_SQL} AND {LIVE_SQLITE.text}"),
            postgresql_where=text(f"{UNSOLVED_SQL} AND {LIVE_POSTGRESQL.text}"),
        ),
        # 0009: resolution, reopen and one-touch figures are by solve time.
        Index("ix_tickets_solved", "workspace_id", "solved_at"),
        # 0031: the tickets merged into one (its search document lists their subjects); a
        # partial index, as few tickets are ever merged.
        Index(
            "ix_tickets_merged_into",
            "merged_into_id",
            "workspace_id",
            sqlite_where=text("merged_into_id IS NOT NULL"),
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[TicketStatus] = mapped_column(
        _enum(TicketStatus, "ticket_status"), default=TicketStatus.NEW
    )
    priority: Mapped[TicketPriority] = mapped_column(
        _enum(TicketPriority, "ticket_priority"), default=TicketPriority.NORMAL
    )
    ticket_type: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    requester_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("teams.id", ondelete="SET NULL"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str | None] = mapped_column(String(16))
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="SET NULL")
    )
    # A follow-up to a closed ticket points at it; a closed ticket is never reopened.
    follow_up_of_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_replied_at: Mapped[datetime | None] = mapped_column()
    last_customer_message_at: Mapped[datetime | None] = mapped_column()
    last_agent_reply_at: Mapped[datetime | None] = mapped_column()
    solved_at: Mapped[datetime | None] = mapped_column()
    first_solved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    agent_reply_count: Mapped[int] = mapped_column(Integer, default=0)
    # Denormalised by the SLA engine so "breaching within 1h" is one index range.
    next_sla_due_at: Mapped[datetime | None] = mapped_column()
    sla_policy_id: Mapped[int | None] = mapped_column(IdType)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # Business time of the SLA calendar (24/7 without a policy), stamped when the first reply
    # and the (latest) solve happen, so reports never recompute calendars per ticket.
    first_reply_business_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_business_seconds: Mapped[int | None] = mapped_column(Integer)

    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketTag.tag"
    )
    follower_rows: Mapped[list[TicketFollower]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketFollower.user_id"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def follower_ids(self) -> list[int]:
        return [row.user_id for row in self.follower_rows]


class TicketTag(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "ticket_tags"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("ticket_id", "tag"),
        # 0031: tag first. Led by workspace_id, SQLite without statistics took this covering
        # index for "the tags of these tickets" and read every tag of the workspace.
        Index("ix_ticket_tags_tag", "tag", "workspace_id", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(100))


class TicketFollower(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "ticket_followers"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("ticket_id", "user_id"),
        Index("ix_ticket_followers_user", "user_id", "workspace_id"),  # 0031: as ticket_tags
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))


class TicketMessage(IdMixin, WorkspaceScoped, Base):
    """One entry of a ticket's thread: a public reply or an internal note."""

    __tablename__ = "ticket_messages"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("ticket_messages", "author_contact_id", optional=True),
        Index("ix_ticket_messages_thread", "ticket_id", "workspace_id", "created_at", "id"),
        UniqueConstraint("workspace_id", "email_message_id"),
        Index("ix_ticket_messages_delivery", "workspace_id", "delivery_status"),
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    author_kind: Mapped[AuthorKind] = mapped_column(_enum(AuthorKind, "message_author_kind"))
    author_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    author_contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    # E-mail threading: the RFC 5322 Message-ID this message was received or sent with.
    email_message_id: Mapped[str | None] = mapped_column(String(500))
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(
        _enum(DeliveryStatus, "message_delivery_status")
    )
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[TicketAttachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketAttachment.id"
    )


class TicketAttachment(IdMixin, WorkspaceScoped, Base):
    """A file attached to a message; the bytes live in the data directory, keyed by sha256."""

    __tablename__ = "ticket_attachments"
    # 0031: no workspace_id index: nothing reads attachments by workspace alone, and SQLite
    # without statistics preferred it to message_id's for a message's attachments.
    __workspace_index__ = False

    # Null between the upload and the message that uses it (uploads come first, as in Zendesk).
    message_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # Indexed (0033): a file is deleted only when no row of any workspace references it.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
