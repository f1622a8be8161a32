"""Usage ingestion use cases: write keys, appending tracking calls to the inbox, and the
identity side of identify/group calls. No commits: the request edge commits (ADR 0002).

The hot path (track, page, screen) is one multi-row insert per request into `usage_events`;
`identify` and `group` also resolve the person and the account in the same transaction
(they are rare). Re-sent calls (same `messageId` in the workspace) are ignored by the insert.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError, NotFound
from cxhub.core.multirow import multirow_insert
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.schemas import AccountCreate, AccountUpdate
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.schemas import ContactCreate, ContactUpdate
from cxhub.success.usage import traits as traits_mapping
from cxhub.success.usage.models import TrackingWriteKey, UsageEvent
from cxhub.success.usage.validation import Rejection

WRITE_KEY_PREFIX = "cxw_"


def _digest(write_key: str) -> str:
    return hashlib.sha256(write_key.encode("utf-8", "surrogatepass")).hexdigest()


# --- write keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedWriteKey:
    record: TrackingWriteKey
    secret: str


def create_write_key(session: Session, *, workspace_id: int, name: str) -> IssuedWriteKey:
    secret = WRITE_KEY_PREFIX + secrets.token_urlsafe(24)
    record = TrackingWriteKey(
        workspace_id=workspace_id,
        name=name.strip(),
        key_hash=_digest(secret),
        key_prefix=secret[:10],
        active=True,
    )
    session.add(record)
    session.flush()
    return IssuedWriteKey(record, secret)


def list_write_keys(session: Session) -> list[TrackingWriteKey]:
    return list(session.scalars(select(TrackingWriteKey).order_by(TrackingWriteKey.id)))


def revoke_write_key(session: Session, *, write_key_id: int) -> TrackingWriteKey:
    record = session.scalar(select(TrackingWriteKey).where(TrackingWriteKey.id == write_key_id))
    if record is None:
        raise NotFound(f"write key {write_key_id} not found")
    record.active = False
    session.flush()
    return record


@dataclass(frozen=True)
class WriteKeyOwner:
    write_key_id: int
    workspace_id: int


def resolve_write_key(session: Session, write_key: str) -> WriteKeyOwner | None:
    """The active key behind a secret; looked up by hash, before any workspace is known."""
    if not write_key.startswith(WRITE_KEY_PREFIX) or len(write_key) > 100:
        return None
    row = session.execute(
        select(TrackingWriteKey.id, TrackingWriteKey.workspace_id)
        .where(TrackingWriteKey.key_hash == _digest(write_key), TrackingWriteKey.active.is_(True))
        .execution_options(skip_workspace_filter=True)
    ).first()
    return WriteKeyOwner(row.id, row.workspace_id) if row is not None else None


# --- events ---------------------------------------------------------------------------------------


_INSERT_SQLITE_HEAD = (
    "INSERT INTO usage_events (workspace_id, message_id, type, event, user_id, anonymous_id, "
    "group_id, timestamp, received_at, properties, context)"
)
_INSERT_SQLITE_TAIL = "ON CONFLICT (workspace_id, message_id) DO NOTHING"
_INSERT_POSTGRESQL = (
    "INSERT INTO usage_events (workspace_id, message_id, type, event, user_id, anonymous_id, "
    "group_id, timestamp, received_at, properties, context) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb) "
    "ON CONFLICT (workspace_id, message_id) DO NOTHING"
)


def _sqlite_datetime(moment: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (naive UTC, four-digit year, always with
    microseconds), so ORM reads and text comparisons stay exact. `isoformat` is faster than
    `strftime` and, unlike glibc's `%Y`, pads years before 1000."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def append_events(session: Session, *, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Append checked calls to the inbox in one pass; known messageIds are skipped.

    The hot path: the statement goes straight to the driver with the JSON text the validation
    already produced, instead of through the ORM's per-value type processing (about 3× faster
    on SQLite). A dialect other than SQLite/PostgreSQL takes the Core insert."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - both supported ones below
        session.execute(
            insert(cast(Table, UsageEvent.__table__)),
            [{k: v for k, v in row.items() if not k.endswith("_json")} for row in rows],
        )
        return
    formatted: dict[datetime, Any] = {}  # a batch repeats its arrival time and often its times

    def stamp(moment: datetime) -> Any:
        if dialect != "sqlite":
            return moment
        text = formatted.get(moment)
        if text is None:
            text = formatted[moment] = _sqlite_datetime(moment)
        return text

    parameters = [
        (
            workspace_id,
            row["message_id"],
            row["type"],
            row["event"],
            row["user_id"],
            row["anonymous_id"],
            row["group_id"],
            stamp(row["timestamp"]),
            stamp(row["received_at"]),
            row["properties_json"],
            row["context_json"],
        )
        for row in rows
    ]
    if dialect == "sqlite":  # multi-row statements: see core.multirow for why
        multirow_insert(session.connection(), _INSERT_SQLITE_HEAD, parameters, _INSERT_SQLITE_TAIL)
    else:
        session.connection().exec_driver_sql(_INSERT_POSTGRESQL, parameters)


def identify(session: Session, *, workspace_id: int, row: dict[str, Any]) -> int | None:
    """Resolve the person of an identify call: userId → external id, traits email/phone →
    identifiers; name, locale and time zone fill blank contact fields. Returns the contact id,
    or None for an anonymous call with no identifier."""
    traits: dict[str, Any] = row["properties"]
    identifiers = {
        "external_ids": [row["user_id"]] if row["user_id"] else [],
        "emails": [e] if (e := traits_mapping.text(traits, "email")) else [],
        "phones": [p] if (p := traits_mapping.text(traits, "phone")) else [],
    }
    if not any(identifiers.values()):
        return None
    fields = traits_mapping.person_fields(traits, row["context"])
    data = ContactCreate(**identifiers, **fields)
    return contacts.identify_contact(session, workspace_id=workspace_id, data=data).contact.id


def group(session: Session, *, workspace_id: int, row: dict[str, Any]) -> int:
    """Link the caller to the account of a group call (groupId → account external_id),
    creating the account when unknown; traits name/industry/plan/seats update it."""
    traits: dict[str, Any] = row["properties"]
    group_id: str = row["group_id"]
    fields = traits_mapping.account_fields(traits)
    name = traits_mapping.text(traits, "name")
    seats = traits_mapping.seats(traits)
    account = accounts.find_account_by_external_id(session, external_id=group_id)
    if account is None:
        account = accounts.create_account(
            session,
            workspace_id=workspace_id,
            data=AccountCreate(
                name=(name or group_id)[:200],
                external_id=group_id,
                custom_attributes={"seats": seats} if seats is not None else None,
                **fields,
            ),
        )
    else:
        changes: dict[str, Any] = dict(fields)
        if name:
            changes["name"] = name[:200]
        if seats is not None:
            changes["custom_attributes"] = {**(account.custom_attributes or {}), "seats": seats}
        if changes:
            accounts.update_account(session, account_id=account.id, data=AccountUpdate(**changes))
    if row["user_id"]:
        contact = contacts.identify_contact(
            session,
            workspace_id=workspace_id,
            data=ContactCreate(external_ids=[row["user_id"]]),
        ).contact
        if contact.account_id != account.id:
            contacts.update_contact(
                session, contact_id=contact.id, data=ContactUpdate(account_id=account.id)
            )
    return account.id


def apply_identity(
    session: Session, *, workspace_id: int, rows: list[dict[str, Any]], indexes: list[int]
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Run identify/group side effects, each in a savepoint: a call whose identity cannot be
    applied (an invalid email, a conflicting external id) is rejected with the reason, the
    others stay."""
    kept: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    for row, index in zip(rows, indexes, strict=True):
        if row["type"] not in ("identify", "group"):
            kept.append(row)
            continue
        try:
            with session.begin_nested():
                if row["type"] == "identify":
                    identify(session, workspace_id=workspace_id, row=row)
                else:
                    group(session, workspace_id=workspace_id, row=row)
        except (DomainError, ValidationError) as exc:
            reason = exc.detail if isinstance(exc, DomainError) else "invalid traits"
            rejected.append(Rejection(index, row["message_id"], reason))
            continue
        kept.append(row)
    return kept, rejected


# --- reading (analytics) --------------------------------------------------------------------------

INBOX_READ_COLUMNS = ("message_id", "type", "event", "user_id", "timestamp")


def inbox_events(session: Session, *, start: datetime, end: datetime) -> list[Any]:
    """The not-yet-compacted calls of the session's workspace with `start <= timestamp < end`,
    as tuples in `INBOX_READ_COLUMNS` order (the inbox holds minutes of traffic)."""
    columns = [getattr(UsageEvent, name) for name in INBOX_READ_COLUMNS]
    return list(
        session.execute(
            select(*columns).where(UsageEvent.timestamp >= start, UsageEvent.timestamp < end)
        ).all()
    )


def inbox_message_ids(session: Session, *, start: datetime, end: datetime) -> list[str]:
    """The messageIds of the session's workspace's inbox calls with `start <= timestamp < end`
    (a bulk import does not store them again)."""
    return list(
        session.scalars(
            select(UsageEvent.message_id).where(
                UsageEvent.timestamp >= start, UsageEvent.timestamp < end
            )
        )
    )
