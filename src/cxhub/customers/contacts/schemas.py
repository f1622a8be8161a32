"""Contact request and response shapes, including identity resolution and merge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from cxhub.core.locales import LocaleTag, TimeZoneName
from cxhub.customers.contacts.models import Contact, IdentifierKind
from cxhub.customers.contacts.names import full_name

# One identifier as a list reads it: (kind, normalised value).
IdentifierValue = tuple[IdentifierKind, str]


class ContactFields(BaseModel):
    first_name: str | None = Field(default=None, max_length=120)
    last_name: str | None = Field(default=None, max_length=120)
    locale: LocaleTag | None = Field(default=None, max_length=16, examples=["it-IT"])
    time_zone: TimeZoneName | None = Field(default=None, max_length=64, examples=["Europe/Rome"])
    country: str | None = Field(default=None, min_length=2, max_length=2)
    account_id: int | None = None
    custom_attributes: dict[str, Any] | None = None

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class ContactIdentifiers(BaseModel):
    emails: list[str] = Field(default_factory=list, max_length=50)
    phones: list[str] = Field(default_factory=list, max_length=50)
    social_handles: list[str] = Field(
        default_factory=list, max_length=50, examples=[["twitter:@ada"]]
    )
    external_ids: list[str] = Field(
        default_factory=list, max_length=50, description="Ids of this person in your product."
    )

    def by_kind(self) -> dict[IdentifierKind, list[str]]:
        return {
            IdentifierKind.EMAIL: self.emails,
            IdentifierKind.PHONE: self.phones,
            IdentifierKind.SOCIAL: self.social_handles,
            IdentifierKind.EXTERNAL_ID: self.external_ids,
        }


class ContactCreate(ContactFields, ContactIdentifiers):
    pass


class ContactUpdate(ContactFields):
    """Partial update; identifier lists, when given, replace that kind's identifiers."""

    emails: list[str] | None = Field(default=None, max_length=50)
    phones: list[str] | None = Field(default=None, max_length=50)
    social_handles: list[str] | None = Field(default=None, max_length=50)
    external_ids: list[str] | None = Field(default=None, max_length=50)


class ContactOut(BaseModel):
    id: int
    name: str
    first_name: str | None
    last_name: str | None
    emails: list[str]
    phones: list[str]
    social_handles: list[str]
    external_ids: list[str]
    locale: str | None
    time_zone: str | None
    country: str | None
    account_id: int | None
    custom_attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, contact: Contact, *, identifiers: Sequence[IdentifierValue] | None = None
    ) -> ContactOut:
        """`identifiers` ((kind, value) in id order), when given, are used instead of the
        contact's relationship (a list reads them for the whole page at once:
        `service.contact_outs`)."""
        if identifiers is None:
            identifiers = [(i.kind, i.value) for i in contact.identifiers]
        grouped: dict[IdentifierKind, list[str]] = {kind: [] for kind in IdentifierKind}
        for kind, value in identifiers:
            grouped[kind].append(value)
        return cls(
            id=contact.id,
            name=display_name(contact, identifiers=identifiers),
            first_name=contact.first_name,
            last_name=contact.last_name,
            emails=grouped[IdentifierKind.EMAIL],
            phones=grouped[IdentifierKind.PHONE],
            social_handles=grouped[IdentifierKind.SOCIAL],
            external_ids=grouped[IdentifierKind.EXTERNAL_ID],
            locale=contact.locale,
            time_zone=contact.time_zone,
            country=contact.country,
            account_id=contact.account_id,
            custom_attributes=contact.custom_attributes,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
        )


def display_name(contact: Contact, *, identifiers: Sequence[IdentifierValue] | None = None) -> str:
    """The full name, else the first identifier (by id), else `Contact #id`; `identifiers` as
    in `ContactOut.of`."""
    name = full_name(contact.first_name, contact.last_name)
    if name:
        return name
    if identifiers is not None:
        return identifiers[0][1] if identifiers else f"Contact #{contact.id}"
    for identifier in contact.identifiers:
        return identifier.value
    return f"Contact #{contact.id}"


class IdentifyResult(BaseModel):
    contact: ContactOut
    created: bool = Field(description="True when no identifier matched and a contact was created.")
    matched_on: list[str] = Field(description="Identifiers (kind:value) that matched the contact.")
    conflicting_contact_ids: list[int] = Field(
        description="Other contacts that some given identifier already belongs to; merge them if "
        "they are the same person."
    )


class MergeRequest(BaseModel):
    loser_id: int = Field(description="The duplicate contact to fold into the one in the path.")


class MergeResult(BaseModel):
    contact: ContactOut
    merged_contact_id: int
    moved: dict[str, int] = Field(description="Rows re-pointed from the loser, by table.")
