"""Turn one mapped row into a validated contact or account, or into the problems that stop it.

Pure: no database. Every problem names the *source* column, so the error report points at the
cell to fix. Blank cells mean "no value" (never "erase"): an import only ever adds information.
Lengths are checked here, not left to the database, because SQLite would accept an over-long name
that PostgreSQL rejects, and the same file must behave the same on both.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.search_keys import search_key
from cxhub.customers.transfer.mapping import ColumnPlan

Key = tuple[IdentifierKind, str]
IDENTIFIER_KINDS = {
    "external_id": IdentifierKind.EXTERNAL_ID,
    "email": IdentifierKind.EMAIL,
    "phone": IdentifierKind.PHONE,
    "social": IdentifierKind.SOCIAL,
}
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
_LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class RowProblem:
    column: str | None
    message: str


class RowInvalid(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass
class MappedRow:
    """A row's values grouped by target field, each remembering the column it came from."""

    single: dict[str, tuple[str, Any]] = field(default_factory=dict)
    identifiers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def text(self, name: str, max_length: int, *, required: bool = False) -> str | None:
        column, value = self.single.get(name, (name, None))
        if value is None or isinstance(value, dict | list):
            if value is not None:
                self.problems.append(RowProblem(column, f"{name} must be a single value"))
            elif required:
                self.problems.append(RowProblem(column, f"{name} is required"))
            return None
        cleaned = str(value).strip()
        if not cleaned:
            if required:
                self.problems.append(RowProblem(column, f"{name} is required"))
            return None
        if len(cleaned) > max_length:
            self.problems.append(RowProblem(column, f"{name} is longer than {max_length}"))
            return None
        if "\x00" in cleaned:  # PostgreSQL cannot store it; on SQLite it would not match again
            self.problems.append(RowProblem(column, f"{name} contains a NUL character"))
            return None
        return cleaned

    def column(self, name: str) -> str:
        return self.single.get(name, (name, None))[0]

    def json_object(self, name: str) -> dict[str, Any]:
        column, value = self.single.get(name, (name, None))
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = None
                self.problems.append(RowProblem(column, f"{name} is not valid JSON"))
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(RowProblem(column, f"{name} must be a JSON object"))
            return {}
        return value

    def keys(self) -> list[Key]:
        """Normalised identifiers, deduplicated, in the order the columns gave them."""
        keys: list[Key] = []
        for name, values in self.identifiers.items():
            kind = IDENTIFIER_KINDS[name]
            for column, raw in values:
                try:
                    keys.append((kind, normalise(kind, raw)))
                except InvalidIdentifier as exc:
                    self.problems.append(RowProblem(column, str(exc)))
        return list(dict.fromkeys(keys))


def _cell_values(value: Any, plural: bool) -> list[str]:
    """The identifier strings in one cell: plural fields split on `;` or take a JSON list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if plural:
        return [part.strip() for part in text.split(";") if part.strip()]
    return [text]


def map_row(plan: ColumnPlan, values: dict[str, Any]) -> MappedRow:
    mapped = MappedRow()
    single, extras, identifiers = mapped.single, mapped.extras, mapped.identifiers
    for column, target in plan.single_columns.items():
        if column in values:
            single[target] = (column, values[column])
    for column, key in plan.extra_keys.items():
        value = values.get(column)
        if value is not None and value != "":
            extras[key] = value
    for column, (base, plural) in plan.identifier_columns.items():
        cells = _cell_values(values.get(column), plural)
        if cells:
            identifiers.setdefault(base, []).extend((column, v) for v in cells)
    return mapped


def _country(row: MappedRow) -> str | None:
    value = row.text("country", 64)
    if value is None:
        return None
    if not _COUNTRY_RE.match(value):
        row.problems.append(
            RowProblem(row.column("country"), f"country {value!r} is not an ISO 3166 alpha-2 code")
        )
        return None
    return value.upper()


@dataclass
class ContactRecord:
    number: int
    keys: list[Key]
    fields: dict[str, Any]
    attributes: dict[str, Any]
    account_external_id: str | None = None
    account_name: str | None = None
    account_column: str | None = None


def contact_record(number: int, row: MappedRow) -> ContactRecord:
    first, last = row.text("first_name", 120), row.text("last_name", 120)
    full = row.text("name", 241)
    if full and first is None and last is None:
        *given, family = full.split()
        first, last = (" ".join(given) or None), family
        if not given:
            first, last = family, None
        if len(first or "") > 120 or len(last or "") > 120:
            row.problems.append(RowProblem(row.column("name"), "name is too long"))
    locale = row.text("locale", 16)
    if locale and not _LOCALE_RE.match(locale):
        row.problems.append(
            RowProblem(row.column("locale"), f"locale {locale!r} is not a BCP 47 tag")
        )
    time_zone = row.text("time_zone", 64)
    if time_zone and time_zone not in time_zones():
        row.problems.append(RowProblem(row.column("time_zone"), f"unknown time zone {time_zone!r}"))
    record = ContactRecord(
        number=number,
        keys=row.keys(),
        fields={
            "first_name": first,
            "last_name": last,
            "locale": locale,
            "time_zone": time_zone,
            "country": _country(row),
        },
        attributes={**row.json_object("custom_attributes"), **row.extras},
        account_external_id=row.text("account_external_id", 200),
        account_name=row.text("account_name", 200),
    )
    record.account_column = row.column(
        "account_external_id" if record.account_external_id else "account_name"
    )
    if not record.keys and not row.problems:
        row.problems.append(
            RowProblem(
                None,
                "a contact needs an email, phone, social handle or external id "
                "(so that importing the file again finds it instead of duplicating it)",
            )
        )
    if row.problems:
        raise RowInvalid(row.problems)
    return record


@lru_cache(maxsize=1 << 16)
def _cached_name_keys(first: str | None, last: str | None) -> tuple[str | None, str | None]:
    return name_search_keys(first, last)


name_key_pair = _cached_name_keys  # (name_key, last_name_key) of (first_name, last_name)


def name_keys(fields: dict[str, Any]) -> dict[str, str | None]:
    """`name_key`/`last_name_key` as the contacts sub-domain defines them (cached: names repeat)."""
    name_key, last_name_key = _cached_name_keys(fields.get("first_name"), fields.get("last_name"))
    return {"name_key": name_key, "last_name_key": last_name_key}


@dataclass
class AccountRecord:
    number: int
    name: str
    name_key: str
    external_id: str | None
    domains: list[str]
    domains_column: str | None
    fields: dict[str, Any]
    attributes: dict[str, Any]


def account_record(number: int, row: MappedRow) -> AccountRecord:
    from cxhub.core.errors import ValidationFailed
    from cxhub.customers.accounts.service import normalise_domain

    name = row.text("name", 200, required=True)
    domains: list[str] = []
    domains_column: str | None = None
    for target in ("domains", "domain"):
        column, value = row.single.get(target, (target, None))
        parts = value if isinstance(value, list) else re.split(r"[;,\s]+", str(value or ""))
        for part in (str(p).strip() for p in parts):
            if not part:
                continue
            domains_column = column
            try:
                domains.append(normalise_domain(part))
            except ValidationFailed as exc:
                row.problems.append(RowProblem(column, exc.detail))
    record = AccountRecord(
        number=number,
        name=name or "",
        name_key=search_key(name),
        external_id=row.text("external_id", 200),
        domains=list(dict.fromkeys(domains)),
        domains_column=domains_column,
        fields={
            "industry": row.text("industry", 100),
            "tier": row.text("tier", 50),
            "country": _country(row),
        },
        attributes={**row.json_object("custom_attributes"), **row.extras},
    )
    if row.problems:
        raise RowInvalid(row.problems)
    return record
