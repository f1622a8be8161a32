"""The fast path from a source row to a `ContactRecord`, for the rows that have nothing wrong.

`records.contact_record(number, map_row(plan, values))` is the definition: it collects every
problem of a row, with its column, for the error report. Most rows of a real file have none, and
for them building a `MappedRow`, its problem list and a text check per field cost more than the
rest of the import. `ContactPreparer` reads the same cells with the plan's routes resolved once,
and the moment anything is unusual (a cell too long, an identifier it cannot normalise itself, a
JSON cell, a missing identifier) it hands the row to the definition, so every failure, and every
result it is not sure of, comes from there. Identifiers are normalised here only when ASCII, where
NFKC folding is the identity and the rules of `contacts.identifiers` reduce to the few below;
anything else goes through `normalise` itself (tests compare both on varied inputs).
"""

from __future__ import annotations

import re
from typing import Any

from cxhub.customers.contacts.identifiers import (
    PLACEHOLDER_EXTERNAL_ID,
    InvalidIdentifier,
    normalise,
)
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.transfer.mapping import ColumnPlan
from cxhub.customers.transfer.records import (
    IDENTIFIER_KINDS,
    ContactRecord,
    Key,
    contact_record,
    map_row,
    time_zones,
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_ALLOWED = re.compile(r"^[+0-9\s().\-/]+$")
_NOT_DIGIT = re.compile(r"[^0-9]")
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
_LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_TEXT_FIELDS = (
    ("first_name", 120),
    ("last_name", 120),
    ("name", 241),
    ("locale", 16),
    ("time_zone", 64),
    ("country", 64),
    ("account_external_id", 200),
    ("account_name", 200),
)


class _Unsure(Exception):
    """The fast path does not decide this row; the definition does."""


def fast_normalise(kind: IdentifierKind, value: str) -> str:
    """`contacts.identifiers.normalise` for the common case; the same result or the same error."""
    if not value.isascii():
        return normalise(kind, value)
    if kind is IdentifierKind.EMAIL:
        email = value.strip().lower()
        if len(email) <= 320 and _EMAIL_RE.match(email):
            return email
    elif kind is IdentifierKind.PHONE:
        raw = value.strip()
        if raw and _PHONE_ALLOWED.match(raw):
            digits = _NOT_DIGIT.sub("", raw)
            if raw.startswith("00"):
                digits = digits[2:]
                international = True
            else:
                international = raw.startswith("+")
            if 5 <= len(digits) <= 15:
                return "+" + digits if international else digits
    elif kind is IdentifierKind.EXTERNAL_ID:
        cleaned = value.strip()
        if (
            cleaned
            and len(cleaned) <= 200
            and cleaned != PLACEHOLDER_EXTERNAL_ID
            and cleaned.isprintable()
        ):
            return cleaned
    return normalise(kind, value)  # social handles, and every error message


def _text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, dict | list):
            raise _Unsure
        value = str(value)
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise _Unsure
    return cleaned or None


class ContactPreparer:
    """Prepares contact rows for one column plan; `__call__` equals the definition's result."""

    def __init__(self, plan: ColumnPlan) -> None:
        self.plan = plan
        by_target = {target: column for column, target in plan.single_columns.items()}
        self._texts = [(name, by_target.get(name), size) for name, size in _TEXT_FIELDS]
        self._account_columns = (
            by_target.get("account_external_id", "account_external_id"),
            by_target.get("account_name", "account_name"),
        )
        self._json_column = by_target.get("custom_attributes")
        self._extras = list(plan.extra_keys.items())
        self._identifiers = [
            (column, IDENTIFIER_KINDS[base], plural)
            for column, (base, plural) in plan.identifier_columns.items()
        ]
        # The definition groups identifiers by field, in the order each field first has a value
        # in a row; with one column per field that is simply the columns' order.
        bases = [base for base, _ in plan.identifier_columns.values()]
        self._grouped = len(set(bases)) < len(bases)

    def __call__(self, number: int, values: dict[str, Any]) -> ContactRecord:
        """The record of a row, or RowInvalid with the definition's problems."""
        try:
            return self._fast(number, values)
        except _Unsure:
            return contact_record(number, map_row(self.plan, values))

    def _fast(self, number: int, values: dict[str, Any]) -> ContactRecord:
        text: dict[str, str | None] = {}
        for name, column, size in self._texts:
            text[name] = None if column is None else _text(values.get(column), size)
        first, last, full = text["first_name"], text["last_name"], text["name"]
        if full and first is None and last is None:
            raise _Unsure  # splitting a full name: rare, left to the definition
        locale, time_zone, country = text["locale"], text["time_zone"], text["country"]
        if locale and not _LOCALE_RE.match(locale):
            raise _Unsure
        if time_zone and time_zone not in time_zones():
            raise _Unsure
        if country is not None:
            if not _COUNTRY_RE.match(country):
                raise _Unsure
            country = country.upper()
        keys: list[Key] = []
        for column, kind, plural in self._identifiers:
            cell = values.get(column)
            if cell is None:
                continue
            if type(cell) is not str:
                raise _Unsure
            if plural and ";" in cell:
                raise _Unsure
            if cell.strip():
                try:
                    keys.append((kind, fast_normalise(kind, cell.strip())))
                except InvalidIdentifier:
                    raise _Unsure from None
        if not keys:
            raise _Unsure
        if self._grouped:
            groups: dict[IdentifierKind, list[Key]] = {}
            for pair in keys:
                groups.setdefault(pair[0], []).append(pair)
            keys = [pair for group in groups.values() for pair in group]
        if self._json_column is not None and values.get(self._json_column) not in (None, ""):
            raise _Unsure
        attributes: dict[str, Any] = {}
        for column, name in self._extras:
            value = values.get(column)
            if value is not None and value != "":
                attributes[name] = value
        account_external_id = text["account_external_id"]
        index = 0 if account_external_id else 1
        account_column = self._account_columns[index]
        if account_column not in values:  # the definition then names the field
            account_column = ("account_external_id", "account_name")[index]
        return ContactRecord(
            number=number,
            keys=list(dict.fromkeys(keys)) if len(keys) > 1 else keys,
            fields={
                "first_name": first,
                "last_name": last,
                "locale": locale,
                "time_zone": time_zone,
                "country": country,
            },
            attributes=attributes,
            account_external_id=account_external_id,
            account_name=text["account_name"],
            account_column=account_column,
        )
