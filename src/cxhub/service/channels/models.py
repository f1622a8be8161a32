"""Channel tables: webhook channel sources, conversation threads and received-message receipts.

Threads and receipts are keyed by a `scope`: `source:<id>` for a configured channel source, or
the channel's name (`web`, `phone`) for channels without a source row, so one interface threads
and de-duplicates every non-email channel.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import (
    Base,
    IdMixin,
    IdType,
    TimestampMixin,
    WorkspaceScoped,
    reference_index,
    utcnow,
)


class ChannelKind(StrEnum):
    CHAT = "chat"
    SOCIAL = "social"
    SMS = "sms"
    OTHER = "other"


class ChannelSource(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A configured inbound webhook (a chat widget, a social inbox, an SMS gateway, …).

    The secret is kept in clear because HMAC verification needs it; it is shown once, when the
    source is created, and never returned by the API afterwards (docs/channels.md).
    """

    __tablename__ = "channel_sources"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ChannelKind] = mapped_column(
        SAEnum(
            ChannelKind,
            name="channel_kind",
            native_enum=False,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChannelThread(IdMixin, WorkspaceScoped, Base):
    """A conversation of a channel mapped to the ticket it currently feeds."""

    __tablename__ = "channel_threads"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("channel_threads", "channel_source_id", optional=True),
        UniqueConstraint("workspace_id", "scope", "thread_key"),
        Index("ix_channel_threads_ticket", "ticket_id", "workspace_id"),
    )

    scope: Mapped[str] = mapped_column(String(64))
    channel_source_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("channel_sources.id", ondelete="CASCADE")
    )
    thread_key: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelReceipt(IdMixin, WorkspaceScoped, Base):
    """One received message id per scope: a re-sent message is recognised and not added twice."""

    __tablename__ = "channel_receipts"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("channel_receipts", "channel_source_id", optional=True),
        reference_index("channel_receipts", "message_id", optional=True),
        reference_index("channel_receipts", "ticket_id", optional=True),
        UniqueConstraint("workspace_id", "scope", "external_message_id"),
    )

    scope: Mapped[str] = mapped_column(String(64))
    channel_source_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("channel_sources.id", ondelete="CASCADE")
    )
    external_message_id: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("ticket_messages.id", ondelete="CASCADE")
    )
    # When the channel says the message was written (the ticket keeps its own receive time).
    occurred_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
