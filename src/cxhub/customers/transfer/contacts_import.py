"""Import a batch of contacts, honouring identity resolution in bulk.

The rules are the ones `identify_contact` applies to one person (contacts/service.py), applied
to a whole batch with one query per kind of lookup instead of several per row:

- every identifier of a row is looked up (one query for the batch); when any matches, the row
  completes that contact (the match trusted most wins: external id > email > phone > social),
  filling blank fields and attaching its new identifiers; otherwise a contact is created;
- rows of the same batch are resolved against each other too, so the same email twice in a
  file is one contact, and so is a row that only shares a phone with an earlier one;
- an identifier already held by a *different* contact is left where it is (merging people is
  a deliberate act, see contacts/merge.py), exactly as identify does;
- a contact without an account is linked through its account reference column or, failing
  that, through the web domain of its email (`accounts_for_domains`).

Writes are Core `executemany` statements (INSERT ... RETURNING for new contacts, one INSERT for
all new identifiers, one UPDATE for completed contacts) because building an ORM object per row
costs more than the rest of the import together. They carry `workspace_id` explicitly; reads go
through the ORM so the workspace filter of core.db still applies to them.

With the pipeline on SQLite, the owners of a batch's identifiers arrive looked up by the worker
process (`snapshot`, see owner_snapshot) instead of being queried here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.events import publish
from cxhub.customers.accounts.service import accounts_for_domains
from cxhub.customers.contacts.events import ContactCreated
from cxhub.customers.contacts.identifiers import (
    FREE_MAIL_DOMAINS,
    RESOLUTION_PRIORITY,
    email_domain,
)
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.transfer.accounts_import import find_accounts
from cxhub.customers.transfer.bulk import (
    insert_tuples,
    insert_tuples_returning_ids,
    table_of,
)
from cxhub.customers.transfer.outcomes import RowOutcome, RowStatus
from cxhub.customers.transfer.records import ContactRecord, Key, name_key_pair, name_keys

if TYPE_CHECKING:
    from cxhub.customers.transfer.owner_snapshot import KnownOwners, Snapshot

PROFILE_FIELDS = ("first_name", "last_name", "locale", "time_zone", "country")
_RANK = {kind: rank for rank, kind in enumerate(RESOLUTION_PRIORITY)}


@dataclass
class PersonRequest:
    """What one row says about a person, ready for resolution."""

    keys: list[Key]
    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    account_id: int | None = None


@dataclass(eq=False, slots=True)  # identity: two new people with equal fields are two people
class _Person:
    contact_id: int | None
    values: dict[str, Any]
    new_keys: list[Key] = field(default_factory=list)
    existing: bool = True
    dirty: bool = False


def owners_of_keys(session: Session, keys: set[Key]) -> dict[Key, int]:
    """Which contact holds each identifier: one query, using the (workspace, kind, value) index."""
    if not keys:
        return {}
    kinds = {kind for kind, _ in keys}
    values = sorted({value for _, value in keys})
    if session.get_bind().dialect.name == "sqlite":
        # One JSON parameter instead of thousands of bound ones: rendering an expanding IN of
        # 3,000 values cost more than the lookup itself (profiled).
        listed = func.json_each(json.dumps(values)).table_valued("value")
        in_values = ContactIdentifier.value.in_(select(listed.c.value))
    else:
        in_values = ContactIdentifier.value.in_(values)
    rows = session.execute(
        select(ContactIdentifier.kind, ContactIdentifier.value, ContactIdentifier.contact_id).where(
            ContactIdentifier.kind.in_(kinds), in_values
        )
    )
    return {key: row.contact_id for row in rows if (key := (row.kind, row.value)) in keys}


def _load_people(session: Session, contact_ids: set[int]) -> dict[int, _Person]:
    if not contact_ids:
        return {}
    columns = [getattr(Contact, name) for name in (*PROFILE_FIELDS, "account_id")]
    rows = session.execute(
        select(Contact.id, Contact.custom_attributes, *columns).where(Contact.id.in_(contact_ids))
    )
    people: dict[int, _Person] = {}
    for row in rows:
        values = {name: getattr(row, name) for name in (*PROFILE_FIELDS, "account_id")}
        values["custom_attributes"] = dict(row.custom_attributes or {})
        people[row.id] = _Person(row.id, values)
    return people


def resolve_people(
    session: Session,
    *,
    workspace_id: int,
    requests: list[PersonRequest],
    snapshot: Snapshot | None = None,
    known: KnownOwners | None = None,
) -> list[tuple[RowStatus, int]]:
    """Find or create the contact of every request; returns (status, contact id) in order.

    `snapshot`: the owners of the requests' keys as the pipeline's worker found them, used
    instead of a lookup here, corrected by the keys `known` says this import committed since
    (see owner_snapshot); `known` also learns the keys written here.
    """
    wanted = {key for r in requests for key in r.keys}
    if snapshot is None or known is None:
        owners = owners_of_keys(session, wanted)
    else:
        owners = known.owners(snapshot, wanted)
    loaded = _load_people(session, set(owners.values()))
    key_owner: dict[Key, _Person] = {
        key: loaded[cid] for key, cid in owners.items() if cid in loaded
    }
    email = IdentifierKind.EMAIL
    domains = {
        email_domain(value) for r in requests for kind, value in r.keys if kind is email
    } - FREE_MAIL_DOMAINS
    domain_accounts = accounts_for_domains(session, domains)
    created: list[_Person] = []
    resolved: list[tuple[RowStatus, _Person]] = []
    for request in requests:
        keys = request.keys
        matches = [(key, key_owner[key]) for key in keys if key in key_owner]
        if matches:
            if len(matches) == 1:
                person = matches[0][1]
            else:
                person = min(matches, key=lambda m: (_RANK[m[0][0]], keys.index(m[0])))[1]
            changed = _fill(person, request, domain_accounts)
            for key in keys:
                if key not in key_owner:
                    key_owner[key] = person
                    person.new_keys.append(key)
                    changed = True
            person.dirty = person.dirty or (changed and person.existing)
            resolved.append((RowStatus.UPDATED if changed else RowStatus.UNCHANGED, person))
            continue
        # A new person: what _fill would make of a blank one, without comparing field by field.
        account_id = request.account_id
        if account_id is None and domain_accounts:
            account_id = _domain_account(keys, domain_accounts)
        person = _Person(
            None,
            {
                **_BLANK,
                **request.fields,
                "account_id": account_id,
                "custom_attributes": dict(request.attributes),
            },
            existing=False,
        )
        person.new_keys = new_keys = []
        for key in keys:
            if key not in key_owner:
                key_owner[key] = person
                new_keys.append(key)
        created.append(person)
        resolved.append((RowStatus.CREATED, person))
    _write(
        session, workspace_id, created, [p for p in loaded.values() if p.dirty or p.new_keys], known
    )
    return [(status, person.contact_id) for status, person in resolved]  # type: ignore[misc]


_BLANK: dict[str, Any] = dict.fromkeys(PROFILE_FIELDS)


def _domain_account(keys: list[Key], domain_accounts: dict[str, int]) -> int | None:
    """The account of the first email whose web domain an account claims."""
    for kind, value in keys:
        if kind is IdentifierKind.EMAIL:
            account_id = domain_accounts.get(email_domain(value))
            if account_id is not None:
                return account_id
    return None


def _fill(person: _Person, request: PersonRequest, domain_accounts: dict[str, int]) -> bool:
    """Fill the person's blank fields from the request; True when anything changed."""
    changed = False
    values = person.values
    for name, value in request.fields.items():
        if value is not None and values.get(name) is None:
            values[name] = value
            changed = True
    if values["account_id"] is None:
        account_id = request.account_id
        if account_id is None and domain_accounts:
            account_id = _domain_account(request.keys, domain_accounts)
        if account_id is not None:
            values["account_id"] = account_id
            changed = True
    attributes = values["custom_attributes"]
    for name, value in request.attributes.items():
        if name not in attributes:
            attributes[name] = value
            changed = True
    return changed


_INSERTED = (*PROFILE_FIELDS, "account_id", "custom_attributes")
_CONTACT_COLUMNS = ("workspace_id", *_INSERTED, "name_key", "last_name_key")
_IDENTIFIER_COLUMNS = ("workspace_id", "contact_id", "kind", "value")


def _write(
    session: Session,
    workspace_id: int,
    created: list[_Person],
    updated: list[_Person],
    known: KnownOwners | None,
) -> None:
    connection = session.connection()
    contacts = table_of(Contact)
    if created:
        rows = []
        for person in created:
            values = person.values
            rows.append(
                (
                    workspace_id,
                    *[values[name] for name in _INSERTED],
                    *name_key_pair(values.get("first_name"), values.get("last_name")),
                )
            )
        new_ids = insert_tuples_returning_ids(connection, contacts, _CONTACT_COLUMNS, rows)
        for person, new_id in zip(created, new_ids, strict=True):
            person.contact_id = new_id
    dirty = [p for p in updated if p.dirty]
    if dirty:
        connection.execute(
            update(contacts)
            .where(contacts.c.id == bindparam("_id"), contacts.c.workspace_id == workspace_id)
            .values(updated_at=utcnow()),
            [{"_id": p.contact_id, **p.values, **name_keys(p.values)} for p in dirty],
        )
    identifier_rows = [
        (workspace_id, p.contact_id, kind, value)
        for p in [*created, *updated]
        for kind, value in p.new_keys
    ]
    insert_tuples(connection, table_of(ContactIdentifier), _IDENTIFIER_COLUMNS, identifier_rows)
    if known is not None:
        known.wrote({(kind, value): cid for _, cid, kind, value in identifier_rows})  # type: ignore[misc]
    for person in created:
        assert person.contact_id is not None
        publish(session, contact_created(workspace_id, person.contact_id))


def contact_created(workspace_id: int, contact_id: int) -> ContactCreated:
    """One event per created contact; the ids come from the insert just made, so there is
    nothing to validate (`model_construct` skips validation)."""
    return ContactCreated.model_construct(workspace_id=workspace_id, contact_id=contact_id)


def import_contact_batch(
    session: Session,
    *,
    workspace_id: int,
    records: list[ContactRecord],
    snapshot: Snapshot | None = None,
    known: KnownOwners | None = None,
) -> list[RowOutcome]:
    """Resolve or create the contacts of a batch; returns one outcome per record, in order."""
    refs = find_accounts(
        session,
        external_ids={r.account_external_id for r in records if r.account_external_id},
        names={r.account_name for r in records if r.account_name and not r.account_external_id},
    )
    outcomes: dict[int, RowOutcome] = {}
    requests: list[PersonRequest] = []
    accepted: list[ContactRecord] = []
    for record in records:
        account = refs.resolve(record.account_external_id, record.account_name)
        if isinstance(account, str):
            outcomes[record.number] = RowOutcome.failed(
                record.number, record.account_column, account
            )
            continue
        requests.append(PersonRequest(record.keys, record.fields, record.attributes, account))
        accepted.append(record)
    results = resolve_people(
        session, workspace_id=workspace_id, requests=requests, snapshot=snapshot, known=known
    )
    for record, (status, _) in zip(accepted, results, strict=True):
        outcomes[record.number] = RowOutcome(record.number, status)
    return [outcomes[r.number] for r in records]
