"""Contact use cases: create, identify (resolve or create), read, search, update, delete.

Identity resolution: every email, phone, social handle and external id is stored normalised and
unique per workspace. `identify_contact` looks all given identifiers up; when any matches, the
new identifiers attach to that contact (first match by trust: external id > email > phone >
social) and blank profile fields are filled; otherwise a contact is created. Identifiers that
belong to a *different* contact are reported, never silently moved: that is what merge is for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CursorResult,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, lazyload

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.accounts.service import accounts_for_domains, get_account
from cxhub.customers.contacts.events import ContactCreated, ContactDeleted
from cxhub.customers.contacts.identifiers import (
    FREE_MAIL_DOMAINS,
    RESOLUTION_PRIORITY,
    InvalidIdentifier,
    ReservedIdentifier,
    email_domain,
    normalise,
)
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.contacts.placeholder import (
    refuse_placeholder,
    refuse_reserved_external_id,
)
from cxhub.customers.contacts.schemas import (
    ContactCreate,
    ContactFields,
    ContactIdentifiers,
    ContactOut,
    ContactUpdate,
    IdentifierValue,
)
from cxhub.customers.timeline.models import Interaction

Key = tuple[IdentifierKind, str]


def normalise_identifiers(data: ContactIdentifiers) -> list[Key]:
    keys: list[Key] = []
    for kind, values in data.by_kind().items():
        for value in values:
            try:
                keys.append((kind, normalise(kind, value)))
            except ReservedIdentifier:
                refuse_reserved_external_id(value)
                raise
            except InvalidIdentifier as exc:
                raise ValidationFailed(str(exc), field=f"{kind.value}s") from None
    return list(dict.fromkeys(keys))


def owners_of(session: Session, keys: list[Key]) -> dict[Key, int]:
    """Which contact already holds each identifier."""
    if not keys:
        return {}
    rows = session.execute(
        select(ContactIdentifier.kind, ContactIdentifier.value, ContactIdentifier.contact_id).where(
            tuple_(ContactIdentifier.kind, ContactIdentifier.value).in_(keys)
        )
    )
    return {(row.kind, row.value): row.contact_id for row in rows}


def attribute_touchpoints_to_account(session: Session, contact: Contact) -> int:
    """Give the contact's unattributed touchpoints to the account they now belong to.

    A touchpoint records the account at the time it happened, so history stays with the
    company where it took place when someone moves on; but touchpoints that had no account
    (recorded before the person was linked to one) join the account's timeline once they are.
    """
    if contact.account_id is None:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Interaction)
        .where(Interaction.contact_id == contact.id, Interaction.account_id.is_(None))
        .values(account_id=contact.account_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def refresh_search_keys(contact: Contact) -> None:
    contact.name_key, contact.last_name_key = name_search_keys(
        contact.first_name, contact.last_name
    )


def _account_from_emails(session: Session, keys: list[Key]) -> int | None:
    domains = {email_domain(v) for k, v in keys if k is IdentifierKind.EMAIL}
    owned = accounts_for_domains(session, domains - FREE_MAIL_DOMAINS)
    return next(iter(owned.values()), None)


def _apply_fields(contact: Contact, data: ContactFields, *, only_blank: bool) -> None:
    for name in ("first_name", "last_name", "locale", "time_zone", "country", "account_id"):
        value = getattr(data, name)
        if value is not None and (not only_blank or getattr(contact, name) is None):
            setattr(contact, name, value)
    if data.custom_attributes:
        merged = dict(data.custom_attributes)
        if only_blank:
            merged.update(contact.custom_attributes or {})
        else:
            merged = {**(contact.custom_attributes or {}), **merged}
        contact.custom_attributes = merged
    refresh_search_keys(contact)


def _attach(contact: Contact, keys: list[Key]) -> None:
    held = {(i.kind, i.value) for i in contact.identifiers}
    for kind, value in keys:
        if (kind, value) not in held:
            contact.identifiers.append(
                ContactIdentifier(workspace_id=contact.workspace_id, kind=kind, value=value)
            )


def create_contact(session: Session, *, workspace_id: int, data: ContactCreate) -> Contact:
    """Strict create: 409 when an identifier already belongs to someone (use identify instead)."""
    keys = normalise_identifiers(data)
    taken = owners_of(session, keys)
    if taken:
        (kind, value), owner = next(iter(taken.items()))
        raise Conflict(f"{kind.value} {value} already belongs to contact {owner}", contact_id=owner)
    if data.account_id is not None:
        get_account(session, account_id=data.account_id)
    contact = Contact(workspace_id=workspace_id, custom_attributes={})
    contact.identifiers = []
    _apply_fields(contact, data, only_blank=False)
    if contact.account_id is None:
        contact.account_id = _account_from_emails(session, keys)
    _attach(contact, keys)
    session.add(contact)
    session.flush()
    publish(session, ContactCreated(workspace_id=workspace_id, contact_id=contact.id))
    return contact


@dataclass
class Identification:
    contact: Contact
    created: bool
    matched_on: list[Key] = field(default_factory=list)
    conflicting_contact_ids: list[int] = field(default_factory=list)


def identify_contact(session: Session, *, workspace_id: int, data: ContactCreate) -> Identification:
    """Resolve the person these identifiers describe, attaching new identifiers, or create them."""
    keys = normalise_identifiers(data)
    if not keys:
        raise ValidationFailed(
            "identify needs at least one email, phone, social handle or external id"
        )
    owners = owners_of(session, keys)
    if not owners:
        return Identification(
            create_contact(session, workspace_id=workspace_id, data=data), created=True
        )
    rank = {kind: i for i, kind in enumerate(RESOLUTION_PRIORITY)}
    best = min(owners, key=lambda key: (rank[key[0]], keys.index(key)))
    contact = get_contact(session, contact_id=owners[best])
    refuse_placeholder(session, contact_id=contact.id, action="identified")
    if data.account_id is not None:
        get_account(session, account_id=data.account_id)
    _apply_fields(contact, data, only_blank=True)
    free = [key for key in keys if key not in owners]
    _attach(contact, free)
    if contact.account_id is None:
        contact.account_id = _account_from_emails(session, keys)
    session.flush()
    attribute_touchpoints_to_account(session, contact)
    return Identification(
        contact=contact,
        created=False,
        matched_on=[key for key, owner in owners.items() if owner == contact.id],
        conflicting_contact_ids=sorted({owner for owner in owners.values() if owner != contact.id}),
    )


def get_contact(session: Session, *, contact_id: int, follow_merges: bool = True) -> Contact:
    """A contact by id; ids of merged duplicates resolve to the surviving contact."""
    # Identifiers load on first use: recording a touchpoint or a ticket only needs the row.
    contact = session.scalar(
        select(Contact).where(Contact.id == contact_id).options(lazyload(Contact.identifiers))
    )
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    if contact.merged_into_id is not None:
        if not follow_merges:
            raise NotFound(
                f"contact {contact_id} was merged into {contact.merged_into_id}",
                merged_into_id=contact.merged_into_id,
            )
        return get_contact(session, contact_id=contact.merged_into_id)
    return contact


def update_contact(session: Session, *, contact_id: int, data: ContactUpdate) -> Contact:
    contact = get_contact(session, contact_id=contact_id)
    refuse_placeholder(session, contact_id=contact.id, action="edited")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("account_id") is not None:
        get_account(session, account_id=changes["account_id"])
    replaced = {
        kind: changes.pop(name)
        for kind, name in (
            (IdentifierKind.EMAIL, "emails"),
            (IdentifierKind.PHONE, "phones"),
            (IdentifierKind.SOCIAL, "social_handles"),
            (IdentifierKind.EXTERNAL_ID, "external_ids"),
        )
        if changes.get(name) is not None
    }
    for name in ("emails", "phones", "social_handles", "external_ids"):
        changes.pop(name, None)
    for name, value in changes.items():
        setattr(contact, name, value if name != "custom_attributes" else (value or {}))
    if replaced:
        new_keys = normalise_identifiers(
            ContactIdentifiers(
                emails=replaced.get(IdentifierKind.EMAIL, []),
                phones=replaced.get(IdentifierKind.PHONE, []),
                social_handles=replaced.get(IdentifierKind.SOCIAL, []),
                external_ids=replaced.get(IdentifierKind.EXTERNAL_ID, []),
            )
        )
        clashes = {k: o for k, o in owners_of(session, new_keys).items() if o != contact.id}
        if clashes:
            (kind, value), owner = next(iter(clashes.items()))
            raise Conflict(
                f"{kind.value} {value} already belongs to contact {owner}", contact_id=owner
            )
        contact.identifiers = [
            i
            for i in contact.identifiers
            if i.kind not in replaced or (i.kind, i.value) in new_keys
        ]
        session.flush()
        _attach(contact, new_keys)
    refresh_search_keys(contact)
    session.flush()
    if changes.get("account_id") is not None:
        attribute_touchpoints_to_account(session, contact)
    return contact


def delete_contact(session: Session, *, contact_id: int) -> None:
    """Erase a person: identifiers and touchpoints go with them (right to erasure)."""
    contact = get_contact(session, contact_id=contact_id, follow_merges=False)
    refuse_placeholder(session, contact_id=contact.id, action="deleted")
    workspace_id = contact.workspace_id
    for tombstone in session.scalars(select(Contact).where(Contact.merged_into_id == contact.id)):
        session.delete(tombstone)
    session.delete(contact)
    session.flush()
    publish(session, ContactDeleted(workspace_id=workspace_id, contact_id=contact_id))


def get_contacts(session: Session, *, contact_ids: set[int]) -> dict[int, Contact]:
    """Several contacts in one query, keyed by id (merged ids are not followed)."""
    if not contact_ids:
        return {}
    return {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))}


def identifiers_by_contact(
    session: Session, *, contact_ids: Collection[int]
) -> dict[int, list[IdentifierValue]]:
    """Each contact's identifiers as plain (kind, value) rows in id order, like
    `Contact.identifiers`, in one statement read along `ix_contact_identifiers_contact`;
    contacts without identifiers are absent."""
    found: dict[int, list[IdentifierValue]] = {}
    if not contact_ids:
        return found
    rows = session.execute(
        select(ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value)
        .where(ContactIdentifier.contact_id.in_(contact_ids))
        .order_by(ContactIdentifier.contact_id, ContactIdentifier.id)
    )
    for contact_id, kind, value in rows:
        found.setdefault(contact_id, []).append((kind, value))
    return found


def contact_outs(session: Session, contacts: Sequence[Contact]) -> list[ContactOut]:
    """The response shapes of a page of contacts with their identifiers read in one statement.

    The `selectin` load of `Contact.identifiers` builds an entity per identifier, registers it
    and initialises every collection: most of a contact list's CPU (issue 7). A list only shows
    the values, so it loads its contacts with `load_identifiers=False` and comes here."""
    identifiers = identifiers_by_contact(session, contact_ids=[c.id for c in contacts])
    return [ContactOut.of(c, identifiers=identifiers.get(c.id, [])) for c in contacts]


def external_id_pairs(
    session: Session, *, account_ids: list[int] | None = None
) -> list[tuple[str, int]]:
    """(product user id, account id) of the surviving contacts of `account_ids` (every account
    of the workspace when None), in one query: what set-wise adoption joins events with."""
    statement = (
        select(ContactIdentifier.value, Contact.account_id)
        .join(Contact, Contact.id == ContactIdentifier.contact_id)
        .where(
            Contact.account_id.is_not(None),
            Contact.merged_into_id.is_(None),
            ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
        )
    )
    if account_ids is not None:
        statement = statement.where(Contact.account_id.in_(account_ids))
    return [
        (str(value), int(account))
        for value, account in session.execute(statement)
        if account is not None
    ]


def external_ids_of_account(session: Session, *, account_id: int) -> list[str]:
    """The product user ids (external-id identifiers) of the account's surviving contacts."""
    rows = session.scalars(
        select(ContactIdentifier.value)
        .join(Contact, Contact.id == ContactIdentifier.contact_id)
        .where(
            Contact.account_id == account_id,
            Contact.merged_into_id.is_(None),
            ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
        )
        .order_by(ContactIdentifier.value)
    )
    return list(rows)


def external_ids_of_accounts(session: Session, *, account_ids: list[int]) -> dict[int, list[str]]:
    """`external_ids_of_account` for many accounts in one query (accounts without product
    users map to an empty list)."""
    found: dict[int, list[str]] = {account_id: [] for account_id in account_ids}
    if not account_ids:
        return found
    for value, account_id in sorted(external_id_pairs(session, account_ids=account_ids)):
        found[account_id].append(value)
    return found


#: From this many accounts on, one pass over the workspace's product user ids, filtered here:
#: each query by a batch of accounts is driven from the identifiers' (workspace, kind) index
#: by SQLite's planner (it cannot know the batch is small), so batches re-read them all.
WHOLE_WORKSPACE_ACCOUNTS = 1_000


def external_ids_by_account(session: Session, *, account_ids: set[int]) -> dict[str, int]:
    """Product user id → account id, for the surviving contacts of `account_ids` (any number:
    a few are looked up by account, many by one pass over the workspace)."""
    if not account_ids:
        return {}
    if len(account_ids) >= WHOLE_WORKSPACE_ACCOUNTS:
        return {
            user: account for user, account in external_id_pairs(session) if account in account_ids
        }
    return dict(external_id_pairs(session, account_ids=sorted(account_ids)))


def contact_ids_of_account(session: Session, *, account_id: int) -> list[int]:
    """The surviving contacts of an account, by id (journeys move them on account events)."""
    return list(
        session.scalars(
            select(Contact.id)
            .where(Contact.account_id == account_id, Contact.merged_into_id.is_(None))
            .order_by(Contact.id)
        )
    )


def contact_ids_by_external_id(session: Session, *, external_ids: list[str]) -> dict[str, int]:
    """Product user id → contact id for the ids some contact holds (page views and product
    events name people by userId, ADR 0015)."""
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), 500):
        keys = [(IdentifierKind.EXTERNAL_ID, value) for value in external_ids[start : start + 500]]
        found.update({value: contact for (_, value), contact in owners_of(session, keys).items()})
    return found


def external_id_contact_pairs(session: Session) -> list[tuple[str, int]]:
    """(product user id, contact id) of every surviving contact of the session's workspace
    that has one: what journey analytics join page views with (ADR 0026)."""
    statement = (
        select(ContactIdentifier.value, Contact.id)
        .join(Contact, Contact.id == ContactIdentifier.contact_id)
        .where(
            Contact.merged_into_id.is_(None),
            ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
        )
    )
    return [(str(value), int(contact)) for value, contact in session.execute(statement)]
