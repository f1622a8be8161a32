"""Erasing a person from the customer record (GDPR art. 17): the contact side.

The erased contact, its merge tombstones and every identifier are deleted. Rows of other
domains that point at them (tickets, messages, surveys, touchpoints, …) are first re-pointed at
one *erased-contact placeholder* per workspace, so counts and reports keep working while nothing
links the rows to the person (nor to each other: every erased person shares the placeholder).
The other domains anonymise their own content (privacy/erasure.py calls them); this module only
knows contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.redaction import PersonalTokens
from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID
from cxhub.customers.contacts.merge import contact_references
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import full_name
from cxhub.customers.contacts.placeholder import ErasedPlaceholder, is_placeholder
from cxhub.customers.contacts.service import get_contact, refresh_search_keys

PLACEHOLDER_FIRST_NAME = "Erased"
PLACEHOLDER_LAST_NAME = "contact"


@dataclass(frozen=True)
class ErasedPerson:
    """Who is being erased: the surviving contact, its tombstones and what identifies them.

    Held in memory for the length of one erasure, never stored."""

    workspace_id: int
    contact_id: int
    contact_ids: tuple[int, ...]
    account_id: int | None
    identifiers: dict[IdentifierKind, tuple[str, ...]]
    tokens: PersonalTokens

    def values(self, kind: IdentifierKind) -> tuple[str, ...]:
        return self.identifiers.get(kind, ())


def _find_placeholder(session: Session) -> Contact | None:
    return session.scalar(
        select(Contact)
        .join(ContactIdentifier, ContactIdentifier.contact_id == Contact.id)
        .where(
            ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
            ContactIdentifier.value == PLACEHOLDER_EXTERNAL_ID,
        )
    )


def erased_contact_placeholder(session: Session, *, workspace_id: int) -> Contact:
    """The workspace's placeholder requester for erased people, created on first use."""
    existing = _find_placeholder(session)
    if existing is not None:
        return existing
    placeholder = Contact(
        workspace_id=workspace_id,
        first_name=PLACEHOLDER_FIRST_NAME,
        last_name=PLACEHOLDER_LAST_NAME,
        custom_attributes={},
    )
    placeholder.identifiers = [
        ContactIdentifier(
            workspace_id=workspace_id,
            kind=IdentifierKind.EXTERNAL_ID,
            value=PLACEHOLDER_EXTERNAL_ID,
        )
    ]
    refresh_search_keys(placeholder)
    try:
        # A savepoint: a concurrent first erasure that created it meanwhile makes this insert a
        # unique violation, which must not abort the caller's transaction.
        with session.begin_nested():
            session.add(placeholder)
            session.flush()
    except IntegrityError:
        winner = _find_placeholder(session)
        if winner is None:
            raise
        return winner
    return placeholder


def person_to_erase(session: Session, *, contact_id: int) -> ErasedPerson:
    """The contact (a merged-away id resolves to the survivor) with its tombstones and tokens.

    404 for an unknown id or another workspace's contact; 409 for the placeholder itself."""
    contact = get_contact(session, contact_id=contact_id)
    if is_placeholder(session, contact_id=contact.id):
        raise ErasedPlaceholder(
            f"contact {contact.id} is the erased-contact placeholder; it holds no personal data",
            contact_id=contact.id,
        )
    contacts = [contact]
    frontier = [contact.id]
    while frontier:
        tombstones = list(
            session.scalars(select(Contact).where(Contact.merged_into_id.in_(frontier)))
        )
        contacts += tombstones
        frontier = [t.id for t in tombstones]
    ids = tuple(c.id for c in contacts)
    identifiers: dict[IdentifierKind, list[str]] = {}
    for kind, value in session.execute(
        select(ContactIdentifier.kind, ContactIdentifier.value)
        .where(ContactIdentifier.contact_id.in_(ids))
        .order_by(ContactIdentifier.id)
    ):
        identifiers.setdefault(kind, []).append(value)
    full_names = [
        full_name(c.first_name, c.last_name) for c in contacts if c.first_name and c.last_name
    ]
    name_parts = [part for c in contacts for part in (c.first_name, c.last_name)]
    tokens = PersonalTokens.of(
        emails=identifiers.get(IdentifierKind.EMAIL, []),
        phones=identifiers.get(IdentifierKind.PHONE, []),
        other_identifiers=[
            *identifiers.get(IdentifierKind.SOCIAL, []),
            *identifiers.get(IdentifierKind.EXTERNAL_ID, []),
        ],
        full_names=full_names,
        name_parts=name_parts,
    )
    return ErasedPerson(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        contact_ids=ids,
        account_id=contact.account_id,
        identifiers={kind: tuple(values) for kind, values in identifiers.items()},
        tokens=tokens,
    )


def delete_person(session: Session, *, person: ErasedPerson, placeholder_id: int) -> dict[str, int]:
    """Delete the identifiers, re-point every other row that references the person at the
    placeholder, then delete the contact rows. Answers how many references moved, per `table.column`."""
    session.execute(
        delete(ContactIdentifier)
        .where(ContactIdentifier.contact_id.in_(person.contact_ids))
        .execution_options(synchronize_session=False)
    )
    moved: dict[str, int] = {}
    for table, column in contact_references():
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(table)
            .where(column.in_(person.contact_ids), table.c.workspace_id == person.workspace_id)
            .values({column.name: placeholder_id})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            moved[f"{table.name}.{column.name}"] = result.rowcount
    # Tombstones point at the survivor: clear the chain before deleting the rows.
    session.execute(
        update(Contact)
        .where(Contact.id.in_(person.contact_ids))
        .values(merged_into_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Contact)
        .where(Contact.id.in_(person.contact_ids))
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return moved
