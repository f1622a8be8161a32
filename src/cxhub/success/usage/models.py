"""Usage tables: the per-workspace write keys and the OLTP inbox of not-yet-compacted events
(ADR 0015: older events live in Parquet files under `<data_dir>/events/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class TrackingWriteKey(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A Segment-style write key; only its SHA-256 is stored (the key is shown once)."""

    __tablename__ = "tracking_write_keys"
    __table_args__ = (UniqueConstraint("key_hash"),)

    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64))
    key_prefix: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UsageEvent(IdMixin, WorkspaceScoped, Base):
    """One accepted tracking call, waiting in the inbox until compaction moves it to Parquet.

    `properties` holds a track/page/screen call's properties, or an identify/group call's
    traits; `event` holds the track event name or the page/screen name. One index only (the
    idempotency key), so appends stay cheap.
    """

    __tablename__ = "usage_events"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "message_id"),)

    message_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(String(200))
    anonymous_id: Mapped[str | None] = mapped_column(String(200))
    group_id: Mapped[str | None] = mapped_column(String(200))
    timestamp: Mapped[datetime]
    received_at: Mapped[datetime]
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
