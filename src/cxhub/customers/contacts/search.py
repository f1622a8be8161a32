"""Contact search and the contact list.

A query matches a contact when any *branch* does: a prefix of the full name or last name, of an
e-mail address or social handle (from `MIN_ADDRESS_PREFIX` characters), a phone number in any
spelling, or an exact external id. Each branch is one index range scan cut short by its LIMIT;
their union gives the few candidates `paginate` sorts and cuts, which keeps the one list
convention (`{items, next_cursor}`, every sort) exact. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FunctionElement,
    Select,
    String,
    Subquery,
    and_,
    or_,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session, lazyload

from cxhub.core.pagination import MAX_LIMIT, Page, PageRequest, decode_cursor, paginate
from cxhub.customers.contacts.identifiers import (
    InvalidIdentifier,
    normalise,
)
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.search_keys import search_key, starts_with

CONTACT_SORTS = {
    "id": Contact.id,
    "name": Contact.name_key,
    "last_name": Contact.last_name_key,
    "created_at": Contact.created_at,
    "updated_at": Contact.updated_at,
}


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
        last_value, last_id = decode_cursor(page.cursor, sort, column)
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
    load_identifiers: bool = True,
) -> Page[Contact]:
    """A page of live contacts. `load_identifiers=False` leaves out the batched `selectin`
    load of their identifier rows (they then load on first use, one statement per contact):
    for callers that only need the contacts' columns, or that read the identifiers' values in
    one statement (`service.contact_outs`)."""
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
    if not load_identifiers:
        statement = statement.options(lazyload(Contact.identifiers))
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
