"""The erased-contact placeholder's guard: a workspace's placeholder (created by the first
erasure, see contacts/erasure.py) holds the anonymised rows of every erased person, so it can
never be merged (either side), edited, deleted or identified: a person merged into it could
never be erased, and deleting it would cascade away every erased person's interactions.
Its external id `cxhub:erased-contact` is reserved (contacts/identifiers.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import Conflict
from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID
from cxhub.customers.contacts.models import ContactIdentifier, IdentifierKind


class ErasedPlaceholder(Conflict):
    type_slug = "erased-placeholder"
    title = "Erased-contact placeholder"


def is_placeholder(session: Session, *, contact_id: int) -> bool:
    return (
        session.scalar(
            select(ContactIdentifier.id).where(
                ContactIdentifier.contact_id == contact_id,
                ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
                ContactIdentifier.value == PLACEHOLDER_EXTERNAL_ID,
            )
        )
        is not None
    )


def refuse_placeholder(session: Session, *, contact_id: int, action: str) -> None:
    """409 `erased-placeholder` when `contact_id` is the workspace's placeholder."""
    if is_placeholder(session, contact_id=contact_id):
        raise ErasedPlaceholder(
            f"contact {contact_id} is the erased-contact placeholder; it cannot be {action}",
            contact_id=contact_id,
        )


def refuse_reserved_external_id(value: str) -> None:
    """409 `erased-placeholder` for input that names the placeholder's external id."""
    if value.strip() == PLACEHOLDER_EXTERNAL_ID:
        raise ErasedPlaceholder(
            f"external id {PLACEHOLDER_EXTERNAL_ID} is reserved for the erased-contact placeholder",
            field="external_ids",
        )
