"""A person's product-usage events for a data-subject export (GDPR art. 15): every event of
their product user ids (external-id identifiers), and of the anonymous ids those events carried
(the same browser before sign-in), from the inbox and the Parquet files (ADR 0015)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.success.usage.erasure import anonymous_ids_in_files
from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.storage import event_files

#: Most events one export carries (oldest first); `usage_events_truncated` says when cut.
EXPORT_LIMIT = 100_000


class UsageEventExport(BaseModel):
    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    group_id: str | None
    timestamp: datetime
    properties: dict[str, Any]
    context: dict[str, Any]


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def export_for_user_ids(
    session: Session, *, data_dir: Path, workspace_id: int, user_ids: list[str]
) -> tuple[list[UsageEventExport], bool]:
    """The events, oldest first, and whether the list was cut at `EXPORT_LIMIT`."""
    if not user_ids:
        return [], False
    anonymous = set(anonymous_ids_in_files(data_dir, workspace_id=workspace_id, user_ids=user_ids))
    anonymous.update(
        a
        for a in session.scalars(
            select(UsageEvent.anonymous_id).where(UsageEvent.user_id.in_(user_ids))
        )
        if a
    )
    found: dict[str, UsageEventExport] = {}
    files = [str(f.path) for f in event_files(data_dir, workspace_id)]
    if files:
        with duckdb.connect() as connection:
            rows = connection.execute(
                "SELECT message_id, type, event, user_id, anonymous_id, group_id, timestamp, "
                "properties, context FROM read_parquet(?) "
                "WHERE list_contains(?, user_id) OR list_contains(?, anonymous_id) "
                "ORDER BY timestamp, id LIMIT ?",
                [files, user_ids, sorted(anonymous) or [""], EXPORT_LIMIT + 1],
            ).fetchall()
        for row in rows:
            found[row[0]] = UsageEventExport(
                message_id=row[0],
                type=row[1],
                event=row[2],
                user_id=row[3],
                anonymous_id=row[4],
                group_id=row[5],
                timestamp=row[6].replace(tzinfo=UTC),
                properties=_json(row[7]),
                context=_json(row[8]),
            )
    matched: list[Any] = [UsageEvent.user_id.in_(user_ids)]
    if anonymous:
        matched.append(UsageEvent.anonymous_id.in_(sorted(anonymous)))
    for event in session.scalars(
        select(UsageEvent)
        .where(or_(*matched))
        .order_by(UsageEvent.timestamp)
        .limit(EXPORT_LIMIT + 1)
    ):
        found.setdefault(
            event.message_id,
            UsageEventExport(
                message_id=event.message_id,
                type=event.type,
                event=event.event,
                user_id=event.user_id,
                anonymous_id=event.anonymous_id,
                group_id=event.group_id,
                timestamp=event.timestamp,
                properties=event.properties or {},
                context=event.context or {},
            ),
        )
    events = sorted(found.values(), key=lambda e: e.timestamp)
    return events[:EXPORT_LIMIT], len(events) > EXPORT_LIMIT
