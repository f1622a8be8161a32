"""Write a generated demo data set into one workspace with batched SQLAlchemy Core inserts.

Going through the contact and timeline services row by row would take minutes for ~40,000
touchpoints; batched inserts take seconds. What the services would have guaranteed is done here
explicitly: every row carries `workspace_id`, names get the same search keys
(`search_key`), identifiers are normalised with the same `normalise`, and no domain events are
published (a demo load is not thousands of "contact created" facts for other domains to react to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.contacts.identifiers import normalise
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.search_keys import search_key
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.demo.dataset import DemoDataset
from cxhub.demo.records import ContactRecord

Advance = Callable[[int], None]
T = TypeVar("T")
BATCH = 5_000


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _chunks(rows: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids in the order given (both SQLite and PostgreSQL)."""
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for chunk in _chunks(rows):
        ids.extend(session.execute(statement, chunk).scalars())
    return ids


def write_accounts(
    session: Session, workspace_id: int, dataset: DemoDataset, owner_ids: dict[str, int]
) -> dict[str, int]:
    """Accounts and their domains; returns account ids by CRM external id."""
    rows = [
        {
            "workspace_id": workspace_id,
            "name": account.name,
            "name_key": search_key(account.name),
            "external_id": account.external_id,
            "industry": account.industry,
            "tier": account.tier,
            "country": account.country,
            "owner_id": owner_ids[account.owner_key],
            "custom_attributes": account.custom_attributes,
            "created_at": account.created_at,
            "updated_at": account.created_at,
        }
        for account in dataset.accounts
    ]
    ids = _insert_returning_ids(session, _table(Account), rows)
    by_external_id = {a.external_id: id_ for a, id_ in zip(dataset.accounts, ids, strict=True)}
    domains = [
        {"workspace_id": workspace_id, "account_id": by_external_id[a.external_id], "domain": d}
        for a in dataset.accounts
        for d in a.domains
    ]
    session.execute(insert(_table(AccountDomain)), domains)
    return by_external_id


def _identifier_rows(
    workspace_id: int, contact_id: int, contact: ContactRecord
) -> Iterable[dict[str, Any]]:
    given: list[tuple[IdentifierKind, str, str | None]] = [
        *(
            (IdentifierKind.EMAIL, email, "work" if contact.account_external_id else "personal")
            for email in contact.emails
        ),
        *((IdentifierKind.PHONE, phone, label) for phone, label in contact.phones),
        *((IdentifierKind.SOCIAL, handle, None) for handle in contact.social_handles),
        *((IdentifierKind.EXTERNAL_ID, user_id, "product") for user_id in contact.external_ids),
    ]
    for kind, value, label in given:
        yield {
            "workspace_id": workspace_id,
            "contact_id": contact_id,
            "kind": kind,
            "value": normalise(kind, value),
            "label": label,
        }


def write_contacts(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    account_ids: dict[str, int],
    last_seen: dict[int, datetime],
) -> list[int]:
    """Contacts and their identifiers; returns contact ids by contact index."""
    rows = [
        {
            "workspace_id": workspace_id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "name_key": name_search_keys(c.first_name, c.last_name)[0],
            "last_name_key": name_search_keys(c.first_name, c.last_name)[1],
            "locale": c.locale,
            "time_zone": c.time_zone,
            "country": c.country,
            "account_id": account_ids[c.account_external_id] if c.account_external_id else None,
            "custom_attributes": c.custom_attributes,
            "created_at": c.created_at,
            "updated_at": max(c.created_at, last_seen.get(c.index, c.created_at)),
        }
        for c in dataset.contacts
    ]
    ids = _insert_returning_ids(session, _table(Contact), rows)
    identifiers = [
        row
        for contact, contact_id in zip(dataset.contacts, ids, strict=True)
        for row in _identifier_rows(workspace_id, contact_id, contact)
    ]
    for chunk in _chunks(identifiers):
        session.execute(insert(_table(ContactIdentifier)), chunk)
    return ids


def write_touchpoints(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    contact_ids: list[int],
    account_ids: dict[str, int],
    advance: Advance,
) -> int:
    table = _table(Interaction)
    written = 0
    for chunk in _chunks(dataset.touchpoints):
        rows = [
            {
                "workspace_id": workspace_id,
                "kind": t.kind,
                "channel": Channel(t.channel),
                "occurred_at": t.occurred_at,
                "contact_id": contact_ids[t.contact_index],
                "account_id": account_ids[t.account_external_id] if t.account_external_id else None,
                "journey_stage": t.journey_stage,
                "summary": t.summary,
                "payload": t.payload,
                "sentiment": t.sentiment,
                "created_at": t.occurred_at,
            }
            for t in chunk
        ]
        session.execute(insert(table), rows)
        written += len(rows)
        advance(len(rows))
    return written


def last_touch_by_contact(dataset: DemoDataset) -> dict[int, datetime]:
    latest: dict[int, datetime] = {}
    for touchpoint in dataset.touchpoints:
        seen = latest.get(touchpoint.contact_index)
        if seen is None or touchpoint.occurred_at > seen:
            latest[touchpoint.contact_index] = touchpoint.occurred_at
    return latest
