"""E-mail channel tables: support mailboxes, inbound mail as received, outbound mail as sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow


def _enum(enum_type: type[StrEnum], name: str) -> SAEnum:
    return SAEnum(
        enum_type,
        name=name,
        native_enum=False,
        values_callable=lambda members: [m.value for m in members],
    )


class InboundStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"


class OutboundStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Mailbox(IdMixin, WorkspaceScoped, Base):
    """A support address of a workspace; unique across the installation (it routes mail)."""

    __tablename__ = "mailboxes"

    address: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundEmail(IdMixin, WorkspaceScoped, Base):
    """One received message, stored before anything else happens to it (durability first)."""

    __tablename__ = "inbound_emails"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("inbound_emails", "ticket_id", optional=True),
        Index("ix_inbound_emails_status", "workspace_id", "status", "received_at", "id"),
        Index("ix_inbound_emails_received", "workspace_id", "received_at", "id"),
    )

    raw: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_from: Mapped[str] = mapped_column(String(500), default="")
    recipients: Mapped[list[str]] = mapped_column(default=list)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[InboundStatus] = mapped_column(
        _enum(InboundStatus, "inbound_email_status"), default=InboundStatus.RECEIVED
    )
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="SET NULL")
    )
    message_id: Mapped[str | None] = mapped_column(String(500))
    processed_at: Mapped[datetime | None] = mapped_column()


class OutboundEmail(IdMixin, WorkspaceScoped, Base):
    """An agent reply as MIME, queued in the transaction that wrote the reply."""

    __tablename__ = "outbound_emails"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("outbound_emails", "ticket_id", optional=True),
        Index("ix_outbound_emails_due", "workspace_id", "status", "next_attempt_at"),
        Index("ix_outbound_emails_message_id", "workspace_id", "message_id"),
        Index("ix_outbound_emails_ticket_message", "ticket_message_id", "workspace_id"),
    )

    # Null for mail about no ticket (playbook notifications, queued by `queue_system_email`).
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE")
    )
    # Null for mail that is not a thread message (CSAT requests, notifications).
    ticket_message_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("ticket_messages.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    envelope_from: Mapped[str] = mapped_column(String(320))
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(1000))
    message_id: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[OutboundStatus] = mapped_column(
        _enum(OutboundStatus, "outbound_email_status"), default=OutboundStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
