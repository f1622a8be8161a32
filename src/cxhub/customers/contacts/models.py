"""Contacts (people) and every identifier that can recognise them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxhub.core.db import (
    Base,
    IdMixin,
    IdType,
    TimestampMixin,
    WorkspaceScoped,
    reference_index,
)
from cxhub.customers.search_keys import SearchKeyType


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    EXTERNAL_ID = "external_id"


class Contact(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    __tablename__ = "contacts"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_contacts_name_key", "workspace_id", "name_key"),
        # Search by last name is sorted by full name: the range, the live-contact test, the sort
        # key and the id are all read from this index, never from the (wide) contact rows (id is
        # implicit in SQLite indexes, not in PostgreSQL's: without it, one heap visit per match).
        Index(
            "ix_contacts_last_name_key",
            "workspace_id",
            "last_name_key",
            "merged_into_id",
            "name_key",
            "id",
        ),
        Index("ix_contacts_account", "account_id", "workspace_id"),
        # Partial: "the live contacts of …" (`merged_into_id IS NULL`) must not read it, which
        # SQLite without statistics did (every live contact; migration 0036).
        reference_index("contacts", "merged_into_id", optional=True),
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
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    merged_at: Mapped[datetime | None] = mapped_column()
    identifiers: Mapped[list[ContactIdentifier]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        lazy="selectin",
        # (contact_id, id) orders each contact's identifiers by id, as the batch load of a page
        # of contacts can read them straight from ix_contact_identifiers_contact.
        order_by="[ContactIdentifier.contact_id, ContactIdentifier.id]",
    )


class ContactIdentifier(IdMixin, WorkspaceScoped, Base):
    """One normalised email, phone, social handle or product user id; unique per workspace."""

    __tablename__ = "contact_identifiers"
    __workspace_index__ = False
    __table_args__ = (
        # Also serves identity lookups and prefix search (kind, value ranges). Each extra index
        # costs every imported contact three more index writes, so a covering search index is
        # left out.
        UniqueConstraint("workspace_id", "kind", "value"),
        # Loading a page's identifiers: with only the unique index and `contact_id`, SQLite
        # (no statistics) walks the unique index's workspace prefix, i.e. every identifier.
        Index("ix_contact_identifiers_contact", "workspace_id", "contact_id"),
    )

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
