"""Export accounts, contacts and interactions as CSV or JSON Lines that `cxhub import` reads back.

Columns use the import's field names, so export -> import into another workspace reproduces the
records. References between records are written as natural keys (account external id or name,
contact external id / email / phone), never as database ids, which mean nothing in another
workspace; `id`, `created_at` and `updated_at` are written for people and ignored by the import.
In CSV, multi-valued identifiers are joined with `;` and custom attributes / payloads are one JSON
column; JSON Lines keeps lists and objects as they are.

Rows are read in keyset-paginated batches (`id > last id`), so an export of millions of rows
runs in constant memory on both databases without a server-side cursor.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.timeline.models import Interaction
from cxhub.customers.transfer.bulk import table_of
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.readers import FileFormat

COLUMNS: dict[Entity, tuple[str, ...]] = {
    Entity.ACCOUNTS: (
        "id", "external_id", "name", "domains", "industry", "tier", "country",
        "custom_attributes", "created_at", "updated_at",
    ),
    Entity.CONTACTS: (
        "id", "external_ids", "emails", "phones", "social_handles", "first_name", "last_name",
        "locale", "time_zone", "country", "account_external_id", "account_name",
        "custom_attributes", "created_at", "updated_at",
    ),
    Entity.INTERACTIONS: (
        "id", "external_id", "kind", "channel", "occurred_at", "contact_external_id",
        "contact_email", "contact_phone", "account_external_id", "account_name",
        "journey_stage", "summary", "sentiment", "source_type", "source_id", "payload",
        "created_at",
    ),
}  # fmt: skip

_PLURALS = {
    IdentifierKind.EXTERNAL_ID: "external_ids",
    IdentifierKind.EMAIL: "emails",
    IdentifierKind.PHONE: "phones",
    IdentifierKind.SOCIAL: "social_handles",
}


def _account_refs(session: Session, account_ids: set[int]) -> dict[int, dict[str, str | None]]:
    if not account_ids:
        return {}
    rows = session.execute(
        select(Account.id, Account.external_id, Account.name).where(Account.id.in_(account_ids))
    )
    return {
        row.id: {
            "account_external_id": row.external_id,
            "account_name": None if row.external_id else row.name,
        }
        for row in rows
    }


def _identifiers(session: Session, contact_ids: set[int]) -> dict[int, dict[str, list[str]]]:
    grouped: dict[int, dict[str, list[str]]] = {
        cid: {name: [] for name in _PLURALS.values()} for cid in contact_ids
    }
    if contact_ids:
        rows = session.execute(
            select(ContactIdentifier.contact_id, ContactIdentifier.kind, ContactIdentifier.value)
            .where(ContactIdentifier.contact_id.in_(contact_ids))
            .order_by(ContactIdentifier.id)
        )
        for row in rows:
            grouped[row.contact_id][_PLURALS[row.kind]].append(row.value)
    return grouped


def _export_accounts(session: Session, after: int, limit: int) -> list[dict[str, Any]]:
    names = [c for c in COLUMNS[Entity.ACCOUNTS] if c != "domains"]
    rows = session.execute(
        select(*(getattr(Account, n) for n in names))
        .where(Account.id > after)
        .order_by(Account.id)
        .limit(limit)
    ).all()
    domains: dict[int, list[str]] = {row.id: [] for row in rows}
    if rows:
        for row in session.execute(
            select(AccountDomain.account_id, AccountDomain.domain)
            .where(AccountDomain.account_id.in_(domains))
            .order_by(AccountDomain.id)
        ):
            domains[row.account_id].append(row.domain)
    return [{n: getattr(row, n) for n in names} | {"domains": domains[row.id]} for row in rows]


def _export_contacts(session: Session, after: int, limit: int) -> list[dict[str, Any]]:
    fields = ("first_name", "last_name", "locale", "time_zone", "country")
    rows = session.execute(
        select(
            Contact.id, Contact.account_id, Contact.custom_attributes, Contact.created_at,
            Contact.updated_at, *(getattr(Contact, f) for f in fields),
        )
        .where(Contact.id > after, Contact.merged_into_id.is_(None))
        .order_by(Contact.id)
        .limit(limit)
    ).all()  # fmt: skip
    identifiers = _identifiers(session, {row.id for row in rows})
    accounts = _account_refs(session, {row.account_id for row in rows if row.account_id})
    blank_account = {"account_external_id": None, "account_name": None}
    return [
        {
            "id": row.id,
            **identifiers[row.id],
            **{f: getattr(row, f) for f in fields},
            **accounts.get(row.account_id, blank_account),
            "custom_attributes": row.custom_attributes,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


def _export_interactions(session: Session, after: int, limit: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(*table_of(Interaction).c)
        .select_from(Interaction)
        .where(Interaction.id > after)
        .order_by(Interaction.id)
        .limit(limit)
    ).all()
    identifiers = _identifiers(session, {row.contact_id for row in rows if row.contact_id})
    accounts = _account_refs(session, {row.account_id for row in rows if row.account_id})
    records = []
    for row in rows:
        record = {name: getattr(row, name, None) for name in COLUMNS[Entity.INTERACTIONS]}
        held = identifiers.get(row.contact_id) if row.contact_id else None
        for column, plural in (
            ("contact_external_id", "external_ids"),
            ("contact_email", "emails"),
            ("contact_phone", "phones"),
        ):
            record[column] = held[plural][0] if held and held[plural] else None
        record.update(accounts.get(row.account_id, {}))
        records.append(record)
    return records


_EXPORTERS = {
    Entity.ACCOUNTS: _export_accounts,
    Entity.CONTACTS: _export_contacts,
    Entity.INTERACTIONS: _export_interactions,
}


def export_records(
    session: Session, *, entity: Entity, batch_size: int = 1000
) -> Iterator[dict[str, Any]]:
    """Every record of `entity` in the session's workspace, oldest first, read batch by batch."""
    after = 0
    while batch := _EXPORTERS[entity](session, after, batch_size):
        yield from batch
        after = batch[-1]["id"]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value.value if hasattr(value, "value") else value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, dict | list):
        return value.value
    return value


def write_records(
    records: Iterator[dict[str, Any]], stream: IO[str], *, entity: Entity, file_format: FileFormat
) -> int:
    """Write records to a text stream; returns how many were written."""
    columns = COLUMNS[entity]
    count = 0
    if file_format is FileFormat.CSV:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_csv_cell(record.get(c)) for c in columns])
            count += 1
    else:
        for record in records:
            line = {c: _json_value(record.get(c)) for c in columns}
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count
