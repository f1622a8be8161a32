"""Contact use cases: create, identify (resolve or create), read, search, update, delete.

Identity resolution: every email, phone, social handle and external id is stored normalised and
unique per workspace. `identify_contact` looks all given identifiers up; when any matches, the
new identifiers attach to that contact (first match by trust: external id > email > phone >
social) and blank profile fields are filled; otherwise a contact is created. Identifiers that
belong to a *different* contact are reported, never silently moved: that is what merge is for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    FunctionElement,
    Select,
    String,
    Subquery,
    and_,
    or_,
    select,
    tuple_,
    union,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import MAX_LIMIT, Page, PageRequest, decode_cursor, paginate
from cxhub.customers.accounts.service import accounts_for_domains, get_account
from cxhub.customers.contacts.events import ContactCreated, ContactDeleted
from cxhub.customers.contacts.identifiers import (
    FREE_MAIL_DOMAINS,
    RESOLUTION_PRIORITY,
    InvalidIdentifier,
    email_domain,
    normalise,
)
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.contacts.schemas import (
    ContactCreate,
    ContactFields,
    ContactIdentifiers,
    ContactUpdate,
)
from cxhub.customers.search_keys import search_key, starts_with
from cxhub.customers.timeline.models import Interaction

CONTACT_SORTS = {
    "id": Contact.id,
    "name": Contact.name_key,
    "last_name": Contact.last_name_key,
    "created_at": Contact.created_at,
    "updated_at": Contact.updated_at,
}

Key = tuple[IdentifierKind, str]


def normalise_identifiers(data: ContactIdentifiers) -> list[Key]:
    keys: list[Key] = []
    for kind, values in data.by_kind().items():
        for value in values:
            try:
                keys.append((kind, normalise(kind, value)))
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
    contact = session.scalar(select(Contact).where(Contact.id == contact_id))
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


@dataclass(frozen=True)
class SearchBranch:
    """One way a query can match; `key` is the contact column its range scans, if any."""

    condition: ColumnElement[bool]
    key: InstrumentedAttribute[Any] | None = None
    identifier: tuple[ColumnElement[bool], ...] = ()


# Email and social-handle prefixes shorter than this match too many addresses to sort by name
# quickly (47,000 of 1M emails start with "mar"); the name branches already find those people.
MIN_ADDRESS_PREFIX = 5


def contact_search_branches(q: str) -> list[SearchBranch]:
    """Each way `q` can match a contact: prefix of the full name, last name, email or social handle,
    a phone number, or an exact external id. A contact matches the search when any branch does."""
    key = search_key(q)
    if not key:
        return []

    def identifier_match(*criteria: ColumnElement[bool]) -> SearchBranch:
        condition = Contact.id.in_(select(ContactIdentifier.contact_id).where(*criteria))
        return SearchBranch(condition, identifier=criteria)

    branches = [
        SearchBranch(starts_with(Contact.name_key, key), Contact.name_key),
        SearchBranch(starts_with(Contact.last_name_key, key), Contact.last_name_key),
    ]
    if len(key) >= MIN_ADDRESS_PREFIX or "@" in key or ":" in key:
        branches.append(
            identifier_match(
                ContactIdentifier.kind.in_([IdentifierKind.EMAIL, IdentifierKind.SOCIAL]),
                starts_with(ContactIdentifier.value, key),
            )
        )
    try:
        phone = normalise(IdentifierKind.PHONE, q)
    except InvalidIdentifier:
        pass
    else:
        for prefix in dict.fromkeys((phone, "+" + phone.lstrip("+"))):
            branches.append(
                identifier_match(
                    ContactIdentifier.kind == IdentifierKind.PHONE,
                    starts_with(ContactIdentifier.value, prefix),
                )
            )
    branches.append(
        identifier_match(
            ContactIdentifier.kind == IdentifierKind.EXTERNAL_ID,
            ContactIdentifier.value == q.strip(),
        )
    )
    return branches


def contact_search_condition(q: str) -> ColumnElement[bool] | None:
    """Prefix match on full name, last name, email, phone or exact external id."""
    branches = contact_search_branches(q)
    return or_(*(branch.condition for branch in branches)) if branches else None


class sort_key_only(FunctionElement[Any]):  # noqa: N801 - reads as SQL in an ORDER BY
    """A column used only as a sort key, in a form no index can provide.

    Without it the database may walk an index that yields the ORDER BY for free (every contact of
    the workspace in name order, filtering as it goes) instead of the index that finds the few
    matching rows: SQLite for lack of statistics, PostgreSQL when matches cluster late in name
    order. `+column` on SQLite, `column || ''` for text on PostgreSQL; elsewhere the column."""

    inherit_cache = True


@compiles(sort_key_only)
def _sort_key_only(element: sort_key_only, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(sort_key_only, "sqlite")
def _sort_key_only_sqlite(element: sort_key_only, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


@compiles(sort_key_only, "postgresql")
def _sort_key_only_postgresql(element: sort_key_only, compiler: Any, **kw: Any) -> str:
    column = str(compiler.process(element.clauses, **kw))
    (clause,) = element.clauses
    # Concatenation keeps the column's collation (C), so the order is unchanged.
    return f"({column} || '')" if isinstance(clause.type, String) else column


def _after_cursor(
    column: InstrumentedAttribute[Any], descending: bool, last_value: Any, last_id: int
) -> ColumnElement[bool]:
    """The rows after (last_value, last_id) in `paginate`'s order (NULLs last, then id)."""
    if column is Contact.id:
        return Contact.id < last_id if descending else Contact.id > last_id
    next_id = Contact.id < last_id if descending else Contact.id > last_id
    if last_value is None:
        return and_(column.is_(None), next_id)
    beyond = column < last_value if descending else column > last_value
    return or_(beyond, and_(column == last_value, next_id), column.is_(None))


def _search_candidates(
    filters: list[ColumnElement[bool]], branches: list[SearchBranch], page: PageRequest
) -> Subquery | None:
    """The ids of the page's possible rows: the first `limit + 1` of each branch, in page order.

    The first n rows of a union are among the first n of each of its parts, so this is exact.
    One OR across name ranges and identifier subqueries defeats every index (SQLite scanned all
    contacts, then sorted); each branch alone is one index range scan cut short by its LIMIT.
    None when the sort is unknown: `paginate` then reports it.
    """
    sort = page.sort or "name"
    descending = sort.startswith("-")
    column = CONTACT_SORTS.get(sort.lstrip("-"))
    if column is None:
        return None
    seek: list[ColumnElement[bool]] = []
    if page.cursor:
        last_value, last_id = decode_cursor(page.cursor, sort)
        seek.append(_after_cursor(column, descending, last_value, last_id))
    limit = max(1, min(page.limit, MAX_LIMIT)) + 1
    parts = []
    for branch in branches:
        # The sort key is selected too: PostgreSQL wants DISTINCT's ORDER BY in the select list.
        keys: list[Any] = []
        if column is not Contact.id:
            keys.append(column if branch.key is column else sort_key_only(column))
        order = [(k.desc() if descending else k.asc()).nulls_last() for k in keys]
        order.append(Contact.id.desc() if descending else Contact.id.asc())
        if branch.identifier:
            # Driven from the identifier index (as `id IN (...)`, SQLite may instead scan every
            # contact of the workspace); DISTINCT: one contact can match on two identifiers.
            part = (
                select(Contact.id, *keys)
                .distinct()
                .select_from(ContactIdentifier)
                .join(Contact, Contact.id == ContactIdentifier.contact_id)
                .where(*filters, *branch.identifier, *seek)
            )
        else:
            part = select(Contact.id, *keys).where(*filters, branch.condition, *seek)
        parts.append(select(part.order_by(*order).limit(limit).subquery().c.id))
    return union(*parts).subquery("search_candidates")


def list_contacts(
    session: Session,
    *,
    page: PageRequest,
    q: str | None = None,
    account_id: int | None = None,
    email: str | None = None,
    locale: str | None = None,
    country: str | None = None,
) -> Page[Contact]:
    filters: list[ColumnElement[bool]] = [Contact.merged_into_id.is_(None)]
    if account_id is not None:
        filters.append(Contact.account_id == account_id)
    if email is not None:
        filters.append(
            Contact.id.in_(
                select(ContactIdentifier.contact_id).where(
                    ContactIdentifier.kind == IdentifierKind.EMAIL,
                    ContactIdentifier.value == email.strip().lower(),
                )
            )
        )
    if locale is not None:
        filters.append(Contact.locale == locale)
    if country is not None:
        filters.append(Contact.country == country.upper())
    statement: Select[Any] = select(Contact).where(*filters)
    if q and (branches := contact_search_branches(q)):
        candidates = _search_candidates(filters, branches, page)
        if candidates is None:
            statement = statement.where(or_(*(branch.condition for branch in branches)))
        else:
            # A join, not `id IN (...)`: SQLite would otherwise walk the name index of the whole
            # workspace to avoid sorting the few candidate rows.
            statement = statement.join(candidates, candidates.c.id == Contact.id)
    return paginate(
        session,
        statement,
        request=page,
        sortable=CONTACT_SORTS,
        id_column=Contact.id,
        default_sort="name",
    )


def update_contact(session: Session, *, contact_id: int, data: ContactUpdate) -> Contact:
    contact = get_contact(session, contact_id=contact_id)
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
