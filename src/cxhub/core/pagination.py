"""The one list convention of cxhub: `?limit=&cursor=&sort=` answered with `{items, next_cursor}`.

Keyset (seek) pagination on (sort column, id): stable under concurrent inserts and as fast on page
1,000 as on page 1, unlike OFFSET. The cursor is opaque to clients (url-safe base64 JSON) and bound
to the sort it was issued for.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from cxhub.core.errors import InvalidCursor, InvalidSort

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(sort: str, last_value: Any, last_id: int) -> str:
    raw = json.dumps([sort, _encode(last_value), last_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        issued_sort, last_value, last_id = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(last_id, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidCursor("the cursor is malformed; restart from the first page") from None
    if issued_sort != sort:
        raise InvalidCursor(f"the cursor was issued for sort={issued_sort!r}, not sort={sort!r}")
    return _decode(last_value), last_id


def _is_nullable(column: InstrumentedAttribute[Any]) -> bool:
    mapped = getattr(column.property, "columns", [None])[0]
    return bool(getattr(mapped, "nullable", True))


def paginate(
    session: Session,
    statement: Select[Any],
    *,
    request: PageRequest,
    sortable: dict[str, InstrumentedAttribute[Any]],
    id_column: InstrumentedAttribute[int],
    default_sort: str,
) -> Page[T]:
    """Apply sort, seek and limit to `statement` (which selects one entity) and run it."""
    sort = request.sort or default_sort
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in sortable:
        raise InvalidSort(
            f"cannot sort by {field!r}",
            allowed=sorted(sortable) + [f"-{k}" for k in sorted(sortable)],
        )
    limit = max(1, min(request.limit, MAX_LIMIT))
    column = sortable[field]
    nullable = _is_nullable(column)
    if request.cursor:
        last_value, last_id = decode_cursor(request.cursor, sort)
        if column is id_column:
            statement = statement.where(id_column < last_id if descending else id_column > last_id)
        elif last_value is None:
            # NULLs sort last in both directions here; after a NULL only larger ids remain.
            statement = statement.where(
                and_(column.is_(None), id_column < last_id if descending else id_column > last_id)
            )
        else:
            beyond = column < last_value if descending else column > last_value
            tie = and_(
                column == last_value, id_column < last_id if descending else id_column > last_id
            )
            after = [beyond, tie, column.is_(None)] if nullable else [beyond, tie]
            statement = statement.where(or_(*after))
    if column is id_column:
        order = [id_column.desc() if descending else id_column.asc()]
    else:
        primary = column.desc() if descending else column.asc()
        # NULLS LAST only where NULLs can occur: on NOT NULL columns it stops PostgreSQL from
        # reading the rows in index order (a full sort of a 10,000-touchpoint timeline).
        order = [
            primary.nulls_last() if nullable else primary,
            id_column.desc() if descending else id_column.asc(),
        ]
    rows: list[T] = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort, getattr(last, column.key), getattr(last, id_column.key))
    return Page(items=rows, next_cursor=next_cursor)
