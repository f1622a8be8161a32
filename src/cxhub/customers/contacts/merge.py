"""Merging two contacts that turned out to be one person.

The customer record knows no feature, so it cannot list the tables that point at a contact.
Instead it reads the schema: every foreign key to `contacts.id`, in any domain's table, is
re-pointed from the loser to the winner in the same transaction. A domain that adds a table
referencing contacts is therefore merged correctly without touching this module. The loser stays
as a tombstone (`merged_into_id`) so links and API calls using its id keep working.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, CursorResult, Table, update
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import Base, utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.contacts.events import ContactsMerged
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.placeholder import refuse_placeholder
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.contacts.service import (
    attribute_touchpoints_to_account,
    get_contact,
    refresh_search_keys,
)

_PROFILE_FIELDS = ("first_name", "last_name", "locale", "time_zone", "country", "account_id")


def contact_references() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) holding a foreign key to contacts.id, from the live metadata."""
    contacts = Base.metadata.tables["contacts"]
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is contacts.c.id and fk.parent is not contacts.c.merged_into_id:
                found.append((table, fk.parent))
    return found


def merge_contacts(
    session: Session, *, winner_id: int, loser_id: int, actor_user_id: int | None
) -> tuple[Contact, dict[str, int]]:
    winner = get_contact(session, contact_id=winner_id, follow_merges=False)
    loser = get_contact(session, contact_id=loser_id, follow_merges=False)
    if winner.id == loser.id:
        raise ValidationFailed("cannot merge a contact into itself", field="loser_id")
    refuse_placeholder(session, contact_id=winner.id, action="merged")
    refuse_placeholder(session, contact_id=loser.id, action="merged")
    workspace_id = winner.workspace_id
    snapshot = ContactOut.of(loser).model_dump(mode="json")
    for name in _PROFILE_FIELDS:
        if getattr(winner, name) is None and getattr(loser, name) is not None:
            setattr(winner, name, getattr(loser, name))
    winner.custom_attributes = {
        **(loser.custom_attributes or {}),
        **(winner.custom_attributes or {}),
    }
    refresh_search_keys(winner)
    session.flush()

    moved: dict[str, int] = {}
    for table, column in contact_references():
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(table)
            .where(column == loser.id, table.c.workspace_id == workspace_id)
            .values({column.name: winner.id})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            moved[f"{table.name}.{column.name}"] = result.rowcount
    # Earlier tombstones that pointed at the loser now point at the winner.
    tombstones: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Contact)
        .where(Contact.merged_into_id == loser.id)
        .values(merged_into_id=winner.id)
        .execution_options(synchronize_session=False)
    )
    if tombstones.rowcount:
        moved["contacts.merged_into_id"] = tombstones.rowcount

    attribute_touchpoints_to_account(session, winner)
    loser.merged_into_id = winner.id
    loser.merged_at = utcnow()
    loser.name_key = None
    loser.last_name_key = None
    session.flush()
    session.expire(winner, ["identifiers"])
    session.expire(loser, ["identifiers"])
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="contact.merged",
        target_type="contact",
        target_id=winner.id,
        detail={"loser_id": loser.id, "loser_snapshot": snapshot, "moved": moved},
    )
    publish(
        session, ContactsMerged(workspace_id=workspace_id, winner_id=winner.id, loser_id=loser.id)
    )
    return winner, moved
