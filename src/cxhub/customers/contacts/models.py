"""Contacts (people) and every identifier that can recognise them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxhub.core.db import Base, IdMixin, IdType, TimestampMixin, WorkspaceScoped
from cxhub.customers.search_keys import SearchKeyType


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    EXTERNAL_ID = "external_id"


class Contact(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_name_key", "workspace_id", "name_key"),
        Index("ix_contacts_last_name_key", "workspace_id", "last_name_key"),
        Index("ix_contacts_account", "workspace_id", "account_id"),
    )

    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    name_key: Mapped[str | None] = mapped_column(SearchKeyType)
    last_name_key: Mapped[str | None] = mapped_column(SearchKeyType)
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set on the losing side of a merge; the row stays as a tombstone so old ids still resolve.
    merged_into_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    merged_at: Mapped[datetime | None] = mapped_column()
    identifiers: Mapped[list[ContactIdentifier]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ContactIdentifier.id",
    )


class ContactIdentifier(IdMixin, WorkspaceScoped, Base):
    """One normalised email, phone, social handle or product user id; unique per workspace."""

    __tablename__ = "contact_identifiers"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    contact_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[IdentifierKind] = mapped_column(
        SAEnum(
            IdentifierKind,
            name="identifier_kind",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    value: Mapped[str] = mapped_column(SearchKeyType)
    label: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[Contact] = relationship(back_populates="identifiers")
