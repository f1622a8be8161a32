"""Which column of a file feeds which field of a record: `--map` parsing and header matching.

Pure functions, no database. A column is mapped, in this order, by an explicit `--map
"Source Column=field"`, by its name (case, spaces, dashes and dots ignored: `E-mail Address` is
`e_mail_address`) matching a field or one of its aliases, or else it is kept as a custom attribute
(accounts, contacts) or a payload entry (interactions) under its original name, so no column of a
customer's file is silently dropped. `--map "Column=-"` drops a column on purpose, and columns
whose name starts with `#` (the error report's own columns) are always ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Entity(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    INTERACTIONS = "interactions"


class MappingError(ValueError):
    """A `--map` option that cannot be honoured: a usage error, reported before any row is read."""


SKIP = "-"
ATTRIBUTES_PREFIX = "attributes."
PAYLOAD_PREFIX = "payload."

# Fields whose values accumulate: several columns may feed them, and the plural spelling splits
# a cell on `;` (the export writes multi-valued identifiers that way).
IDENTIFIER_FIELDS = {
    "email": "emails",
    "phone": "phones",
    "social": "social_handles",
    "external_id": "external_ids",
}

FIELDS: dict[Entity, tuple[str, ...]] = {
    Entity.ACCOUNTS: (
        "external_id", "name", "domains", "domain", "industry", "tier", "country",
        "custom_attributes",
    ),
    Entity.CONTACTS: (
        "external_id", "external_ids", "email", "emails", "phone", "phones", "social",
        "social_handles", "first_name", "last_name", "name", "locale", "time_zone", "country",
        "account_external_id", "account_name", "custom_attributes",
    ),
    Entity.INTERACTIONS: (
        "external_id", "kind", "channel", "occurred_at", "contact_id", "contact_external_id",
        "contact_email", "contact_phone", "account_id", "account_external_id", "account_name",
        "journey_stage", "summary", "sentiment", "source_type", "source_id", "payload",
    ),
}  # fmt: skip

ALIASES: dict[Entity, dict[str, str]] = {
    Entity.ACCOUNTS: {
        "company": "name", "company_name": "name", "account_name": "name", "account": "name",
        "website": "domain", "web_domain": "domain", "account_id": "external_id",
        "country_code": "country", "segment": "tier", "attributes": "custom_attributes",
    },
    Entity.CONTACTS: {
        "email_address": "email", "e_mail": "email", "e_mail_address": "email", "mail": "email",
        "phone_number": "phone", "mobile": "phone", "mobile_phone": "phone",
        "telephone": "phone", "tel": "phone", "firstname": "first_name",
        "given_name": "first_name", "forename": "first_name", "lastname": "last_name",
        "surname": "last_name", "family_name": "last_name", "full_name": "name",
        "customer_id": "external_id", "customerid": "external_id", "user_id": "external_id",
        "userid": "external_id", "client_id": "external_id", "clientnum": "external_id",
        "language": "locale", "lang": "locale", "timezone": "time_zone", "tz": "time_zone",
        "country_code": "country", "company": "account_name", "account": "account_name",
        "company_name": "account_name", "attributes": "custom_attributes",
    },
    Entity.INTERACTIONS: {
        "type": "kind", "event": "kind", "timestamp": "occurred_at", "time": "occurred_at",
        "date": "occurred_at", "email": "contact_email",
        "phone": "contact_phone", "customer_id": "contact_external_id",
        "user_id": "contact_external_id", "stage": "journey_stage", "text": "summary",
        "description": "summary", "message": "summary",
    },
}  # fmt: skip

# Columns the export writes for people to read; an import ignores them (ids differ per workspace).
EXPORT_ONLY = frozenset({"id", "created_at", "updated_at"})

EXTRA_PREFIX = {
    Entity.ACCOUNTS: ATTRIBUTES_PREFIX,
    Entity.CONTACTS: ATTRIBUTES_PREFIX,
    Entity.INTERACTIONS: PAYLOAD_PREFIX,
}

_NON_WORD = re.compile(r"[^0-9a-z]+")


def column_key(name: str) -> str:
    """`E-mail Address ` -> `e_mail_address`: how headers are compared with field names."""
    return _NON_WORD.sub("_", name.strip().lower()).strip("_")


def parse_mapping(entity: Entity, options: list[str]) -> dict[str, str]:
    """Parse repeated `SOURCE=FIELD` options into {source column: target}; raise MappingError."""
    mapping: dict[str, str] = {}
    for option in options:
        source, sep, target = option.rpartition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise MappingError(f"--map {option!r}: expected SOURCE=FIELD, e.g. 'E-mail=email'")
        if source in mapping:
            raise MappingError(f"--map: column {source!r} is mapped twice")
        mapping[source] = check_target(entity, target)
    return mapping


def check_target(entity: Entity, target: str) -> str:
    if target == SKIP or target in FIELDS[entity]:
        return target
    prefix = EXTRA_PREFIX[entity]
    if target.startswith(prefix) and len(target) > len(prefix):
        return target
    known = ", ".join(FIELDS[entity])
    raise MappingError(
        f"--map: {target!r} is not a field of {entity.value} (fields: {known}, {prefix}NAME, -)"
    )


@dataclass(frozen=True)
class ColumnPlan:
    """Where each source column goes; built once per distinct header."""

    entity: Entity
    targets: dict[str, str]
    identifier_columns: dict[str, tuple[str, bool]] = field(init=False)
    extra_keys: dict[str, str] = field(init=False)
    single_columns: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # Precomputed routes, so mapping a row is one pass without string tests per cell.
        identifiers: dict[str, tuple[str, bool]] = {}
        extras: dict[str, str] = {}
        single: dict[str, str] = {}
        plural_to_single = {plural: one for one, plural in IDENTIFIER_FIELDS.items()}
        for column, target in self.targets.items():
            if target == SKIP:
                continue
            # Only contacts have multi-valued identifiers; elsewhere external_id is one value.
            if self.entity is Entity.CONTACTS and target in IDENTIFIER_FIELDS:
                identifiers[column] = (target, False)
            elif self.entity is Entity.CONTACTS and target in plural_to_single:
                identifiers[column] = (plural_to_single[target], True)
            elif target.startswith((ATTRIBUTES_PREFIX, PAYLOAD_PREFIX)):
                extras[column] = target.split(".", 1)[1]
            else:
                single[column] = target
        object.__setattr__(self, "identifier_columns", identifiers)
        object.__setattr__(self, "extra_keys", extras)
        object.__setattr__(self, "single_columns", single)

    @property
    def extras(self) -> list[str]:
        return [
            c for c, t in self.targets.items() if t.startswith((ATTRIBUTES_PREFIX, PAYLOAD_PREFIX))
        ]


def plan_columns(
    entity: Entity, columns: list[str], mapping: dict[str, str], *, check_sources: bool = True
) -> ColumnPlan:
    """Decide the target of every column; explicit mappings win, then names and aliases."""
    if check_sources:
        missing = [source for source in mapping if source not in columns]
        if missing:
            raise MappingError(
                f"--map names column(s) not in the file: {', '.join(map(repr, missing))} "
                f"(columns: {', '.join(columns)})"
            )
    fields, aliases = set(FIELDS[entity]), ALIASES[entity]
    targets: dict[str, str] = {}
    for column in columns:
        if column.startswith("#"):
            targets[column] = SKIP
        elif column in mapping:
            targets[column] = mapping[column]
        else:
            key = column_key(column)
            if column in EXPORT_ONLY:
                targets[column] = SKIP
            elif key in fields:
                targets[column] = key
            elif key in aliases:
                targets[column] = aliases[key]
            else:
                targets[column] = EXTRA_PREFIX[entity] + column.strip()
    _check_single_valued(targets)
    return ColumnPlan(entity, targets)


def _check_single_valued(targets: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for column, target in targets.items():
        if target == SKIP or target in IDENTIFIER_FIELDS or target in IDENTIFIER_FIELDS.values():
            continue
        if target in seen:
            raise MappingError(
                f"columns {seen[target]!r} and {column!r} both map to {target!r}; "
                f"drop one with --map '{column}=-'"
            )
        seen[target] = column
