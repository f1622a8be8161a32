"""Interactions: every touchpoint between a customer and the brand, on one timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    PHONE = "phone"
    CHAT = "chat"
    SMS = "sms"
    SOCIAL = "social"
    IN_APP = "in_app"
    IN_PERSON = "in_person"
    API = "api"
    OTHER = "other"


class Interaction(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "interactions"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index(
            "ix_interactions_contact_timeline", "contact_id", "workspace_id", "occurred_at", "id"
        ),
        Index(
            "ix_interactions_account_timeline", "account_id", "workspace_id", "occurred_at", "id"
        ),
        Index("ix_interactions_occurred", "workspace_id", "occurred_at", "id"),
        Index("ix_interactions_keyset", "workspace_id", "id"),  # 0031: the export's walk by id
    )

    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[Channel] = mapped_column(
        SAEnum(
            Channel,
            name="channel",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    occurred_at: Mapped[datetime] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    journey_stage: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sentiment: Mapped[float | None] = mapped_column(Float)
    # Where the touchpoint lives when another domain owns it, e.g. ("ticket", "42").
    source_type: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
