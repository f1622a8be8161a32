"""Privacy tables: the record of each erasure and each workspace's retention policy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, JSONType, WorkspaceScoped, utcnow


class ErasureStatus(StrEnum):
    #: The database part committed; attachment files and Parquet events are still to rewrite.
    FILES_PENDING = "files_pending"
    COMPLETE = "complete"


class ErasureRecord(IdMixin, WorkspaceScoped, Base):
    """That a contact was erased: who asked, when, and how many rows of each kind were touched.

    No personal data once complete: ids of rows that no longer exist and counts. `pending`
    holds, only until the file part has run, the product user ids whose Parquet events are
    still to anonymise and, with the Redis job queue, the identifiers and names its failed-job
    records are searched for; it is emptied when the record becomes `complete`.
    """

    __tablename__ = "privacy_erasures"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(IdType)
    #: The survivor and every merge tombstone that was erased with it.
    contact_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    requested_contact_id: Mapped[int] = mapped_column(IdType)
    actor_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ErasureStatus.FILES_PENDING.value)
    completed_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pending: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RetentionPolicyRecord(IdMixin, WorkspaceScoped, Base):
    """How long each kind of data is kept in a workspace, in days; null keeps it forever."""

    __tablename__ = "privacy_retention_policies"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    closed_ticket_messages_days: Mapped[int | None] = mapped_column(Integer)
    inbound_mail_days: Mapped[int | None] = mapped_column(Integer)
    quarantined_mail_days: Mapped[int | None] = mapped_column(Integer)
    outbound_mail_days: Mapped[int | None] = mapped_column(Integer)
    usage_events_days: Mapped[int | None] = mapped_column(Integer)
    audit_log_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
