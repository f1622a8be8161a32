"""Validate a mapped row into an interaction (touchpoint) record. Pure: no database.

Times must say where they happened: ISO 8601 with `Z` or an offset. A time without one fails the
row unless the import names the zone the file was written in (`--naive-timezone`), because
guessing UTC for a file written in Jakarta would shift every touchpoint by seven hours without
anyone noticing. Rows without an external id get a content hash as their natural key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.timeline.models import Channel
from cxhub.customers.transfer.records import Key, MappedRow, RowInvalid, RowProblem


@dataclass
class InteractionRecord:
    number: int
    external_id: str
    values: dict[str, Any]
    contact_id: int | None
    contact_keys: list[Key]
    contact_column: str | None
    account_id: int | None
    account_external_id: str | None
    account_name: str | None
    account_column: str | None


def _parse_instant(row: MappedRow, naive_timezone: tzinfo | None) -> datetime | None:
    column, value = row.single.get("occurred_at", ("occurred_at", None))
    text = str(value).strip() if value is not None else ""
    if not text:
        row.problems.append(RowProblem(column, "occurred_at is required"))
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        row.problems.append(RowProblem(column, f"occurred_at {text!r} is not an ISO 8601 time"))
        return None
    if moment.tzinfo is None:
        if naive_timezone is None:
            row.problems.append(
                RowProblem(
                    column,
                    f"occurred_at {text!r} has no time zone (add Z or +hh:mm, "
                    "or pass --naive-timezone)",
                )
            )
            return None
        moment = moment.replace(tzinfo=naive_timezone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        row.problems.append(RowProblem(column, f"occurred_at {text!r} is out of range"))
        return None


def _integer(row: MappedRow, name: str) -> int | None:
    text = row.text(name, 20)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        row.problems.append(RowProblem(row.column(name), f"{name} {text!r} is not a whole number"))
        return None


def interaction_record(
    number: int, row: MappedRow, *, naive_timezone: tzinfo | None = None
) -> InteractionRecord:
    kind = row.text("kind", 64, required=True)
    channel_text = (row.text("channel", 32, required=True) or "").lower()
    channel: Channel | None = None
    if channel_text:
        try:
            channel = Channel(channel_text)
        except ValueError:
            allowed = ", ".join(c.value for c in Channel)
            row.problems.append(
                RowProblem(
                    row.column("channel"), f"channel {channel_text!r} is not one of {allowed}"
                )
            )
    occurred_at = _parse_instant(row, naive_timezone)
    sentiment: float | None = None
    if (sentiment_text := row.text("sentiment", 32)) is not None:
        try:
            sentiment = float(sentiment_text)
            if not -1 <= sentiment <= 1:
                raise ValueError
        except ValueError:
            sentiment = None
            row.problems.append(
                RowProblem(row.column("sentiment"), "sentiment must be a number from -1 to 1")
            )
    contact_keys: list[Key] = []
    contact_column: str | None = None
    for name, kind_of in (
        ("contact_external_id", IdentifierKind.EXTERNAL_ID),
        ("contact_email", IdentifierKind.EMAIL),
        ("contact_phone", IdentifierKind.PHONE),
    ):
        if (raw := row.text(name, 320)) is not None:
            contact_column = contact_column or row.column(name)
            try:
                contact_keys.append((kind_of, normalise(kind_of, raw)))
            except InvalidIdentifier as exc:
                row.problems.append(RowProblem(row.column(name), str(exc)))
    values: dict[str, Any] = {
        "kind": kind,
        "channel": channel,
        "occurred_at": occurred_at,
        "journey_stage": row.text("journey_stage", 64),
        "summary": row.text("summary", 10_000) or "",
        "sentiment": sentiment,
        "source_type": row.text("source_type", 64),
        "source_id": row.text("source_id", 64),
        "payload": {**row.json_object("payload"), **row.extras},
    }
    record = InteractionRecord(
        number=number,
        external_id=row.text("external_id", 200) or "",
        values=values,
        contact_id=_integer(row, "contact_id"),
        contact_keys=contact_keys,
        contact_column=row.column("contact_id") if row.single.get("contact_id") else contact_column,
        account_id=_integer(row, "account_id"),
        account_external_id=row.text("account_external_id", 200),
        account_name=row.text("account_name", 200),
        account_column=None,
    )
    record.account_column = row.column(
        "account_id"
        if record.account_id is not None
        else "account_external_id"
        if record.account_external_id
        else "account_name"
    )
    if (
        not (
            record.contact_id
            or contact_keys
            or record.account_id
            or record.account_external_id
            or record.account_name
        )
        and not row.problems
    ):
        row.problems.append(
            RowProblem(
                None,
                "an interaction needs a contact (contact_email, contact_external_id, "
                "contact_phone or contact_id) or an account",
            )
        )
    if row.problems:
        raise RowInvalid(row.problems)
    if not record.external_id:
        record.external_id = derived_external_id(record)
    return record


def derived_external_id(record: InteractionRecord) -> str:
    """A stable id for a row that has none: the hash of what the row says.

    Re-importing the same file then finds the same ids and adds nothing. Two rows saying exactly
    the same thing (same time, contact, kind, text...) are one touchpoint by this rule.
    """
    canonical = {
        **{k: v for k, v in record.values.items() if k != "occurred_at"},
        "occurred_at": record.values["occurred_at"].isoformat(),
        "contact_id": record.contact_id,
        "contact": sorted(f"{kind.value}:{value}" for kind, value in record.contact_keys),
        "account": [record.account_id, record.account_external_id, record.account_name],
    }
    digest = hashlib.sha256(
        json.dumps(canonical, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return f"sha256:{digest[:40]}"
