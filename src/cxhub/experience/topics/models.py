"""Discovered topics of a workspace, its classifier, and which customer text belongs to which.

- `topic_models`: one row per workspace: the IDF the signatures are compared with and how the
  last discovery ran (numbers only: hashed feature indices, never words).
- `topics`: a recurring topic: its automatic label and keywords (distinctive terms shared by
  several customers, `labels.py`), the name a team gave it, its state (active, ignored, merged
  into another) and its signature (`centroids.py`).
- `topic_assignments`: a customer's text (ticket message or CSAT comment) in a topic, with copies
  of the ticket, contact, account and time for the reports (sentiment is read from
  `text_analyses`, which the text analytics job may write after the assignment). The text itself is never
  copied: examples are read from the ticket thread, so erasing the person (which deletes their
  assignments, `erasure.py`) removes their words from every example.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow


class TopicStatus(StrEnum):
    ACTIVE = "active"
    IGNORED = "ignored"  # still classified into (so its texts do not pollute others), not reported
    MERGED = "merged"  # its texts moved to `merged_into_id`


class TopicModel(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "topic_models"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    feature_kind: Mapped[str] = mapped_column(String(32), default="hashed-v1")
    idf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    default_idf: Mapped[float] = mapped_column(Float, default=1.0)
    texts: Mapped[int] = mapped_column(Integer, default=0)
    k: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    k_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    discovered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Topic(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "topics"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("topics", "merged_into_id", optional=True),
        Index("ix_topics_status", "workspace_id", "status"),
    )

    name: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(300))
    keywords: Mapped[list[str]] = mapped_column(default=list)
    intent: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(16), default="und")
    status: Mapped[str] = mapped_column(String(16), default=TopicStatus.ACTIVE.value)
    merged_into_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("topics.id", ondelete="SET NULL")
    )
    signature: Mapped[dict[str, Any]] = mapped_column(default=dict)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def display_name(self) -> str:
        return self.name or self.label


class TopicAssignment(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "topic_assignments"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("topic_assignments", "account_id", optional=True),
        UniqueConstraint("workspace_id", "source_type", "source_id"),
        Index("ix_topic_assignments_topic", "topic_id", "workspace_id", "written_at"),
        Index("ix_topic_assignments_written", "workspace_id", "written_at"),
        Index("ix_topic_assignments_contact", "contact_id", "workspace_id"),
        Index("ix_topic_assignments_ticket", "ticket_id", "workspace_id"),
    )

    topic_id: Mapped[int] = mapped_column(IdType, ForeignKey("topics.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(IdType)
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
