"""Identity resolution for imported identify/group calls, set-wise: the calls are folded into one
account row per `groupId` and one person row per `userId` (later calls win field by field) and
written through the customers import (`customers/transfer`), which resolves a batch of rows with
one query per kind of lookup and follows `identify_contact`'s rules.

Like any import, it fills blank fields and never overwrites what is already there (the live
`/v1/identify` and `/v1/group` calls do overwrite); a person is linked to the account of their
latest group call when they have no account yet. A row the customers import refuses (an invalid
email, say) refuses every call folded into it, with that reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import load_json
from cxhub.core.heap import no_cyclic_gc
from cxhub.customers.transfer.importer import RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.readers import SourceRow
from cxhub.customers.transfer.tasks import run_import
from cxhub.success.usage import traits as traits_mapping
from cxhub.success.usage.bulk_import import IdentityCall, RejectedEvent

# Rows per transaction. Each batch holds SQLite's write lock from its first lookup to COMMIT, and
# agents' writes queue behind it: at 2000 rows their p99 during a 2M-event import under traffic
# was 380–490 ms, at 500 it is 90–100 ms, and the import is no slower (docs/benchmarks.md).
BATCH_SIZE = 500


def _json_object(encoded: str) -> dict[str, Any]:
    try:
        value = load_json(encoded)  # orjson first: two documents per call
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _person(call: IdentityCall, traits: dict[str, Any]) -> dict[str, Any]:
    values = {
        "email": traits_mapping.text(traits, "email"),
        "phone": traits_mapping.text(traits, "phone"),
        **traits_mapping.person_fields(traits, _json_object(call.context)),
    }
    return {k: v for k, v in values.items() if v is not None}


def _account(call: IdentityCall, traits: dict[str, Any]) -> dict[str, Any]:
    assert call.group_id is not None
    values: dict[str, Any] = {
        "external_id": call.group_id,
        "name": (traits_mapping.text(traits, "name") or call.group_id)[:200],
        **traits_mapping.account_fields(traits),
    }
    if (seats := traits_mapping.seats(traits)) is not None:
        values["custom_attributes"] = {"seats": seats}
    return values


class _Rows:
    """Rows keyed by a natural key; each row remembers the calls folded into it."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, list[str]] = {}

    def fold(self, key: str, values: dict[str, Any], message_id: str) -> None:
        row = self.values.setdefault(key, {})
        for name, value in values.items():
            if name == "custom_attributes":
                row[name] = {**row.get(name, {}), **value}
            else:
                row[name] = value
        self.calls.setdefault(key, []).append(message_id)

    def source_rows(self) -> tuple[Iterator[SourceRow], dict[int, list[str]]]:
        numbers: dict[int, list[str]] = {}
        rows: list[SourceRow] = []
        for number, (key, values) in enumerate(self.values.items(), start=1):
            numbers[number] = self.calls[key]
            rows.append(SourceRow(number, values))
        return iter(rows), numbers


def resolve_identity(
    factory: sessionmaker[Session], *, workspace_id: int, calls: list[IdentityCall]
) -> list[RejectedEvent]:
    """Apply identify/group calls (oldest first) to accounts and contacts; the refused calls."""
    accounts, people = _Rows(), _Rows()
    with no_cyclic_gc():  # ~200,000 small dicts and lists per 100,000 calls, no cycles
        for call in sorted(calls, key=lambda c: c.timestamp):
            traits = _json_object(call.traits)
            if call.type == "group":
                accounts.fold(call.group_id or "", _account(call, traits), call.message_id)
                if call.user_id:
                    people.fold(
                        call.user_id,
                        {"external_id": call.user_id, "account_external_id": call.group_id},
                        call.message_id,
                    )
                continue
            values = _person(call, traits)
            if call.user_id:
                people.fold(call.user_id, {"external_id": call.user_id, **values}, call.message_id)
            elif values.get("email") or values.get("phone"):
                people.fold("anonymous:" + call.message_id, values, call.message_id)
        prepared = [
            (entity, *folded.source_rows())
            for entity, folded in ((Entity.ACCOUNTS, accounts), (Entity.CONTACTS, people))
            if folded.values
        ]
    refused: list[RejectedEvent] = []
    for entity, rows, numbers in prepared:
        report = run_import(
            factory,
            workspace_id=workspace_id,
            importer=RowImporter(entity),
            rows=rows,
            batch_size=BATCH_SIZE,
        )
        for failure in report.failures:
            for message_id in numbers.get(failure.number, []):
                refused.append(RejectedEvent(None, message_id, failure.message))
    return refused
