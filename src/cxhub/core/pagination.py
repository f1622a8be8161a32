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
from datetime import date, datetime
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
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "d" in value:
            return date.fromisoformat(value["d"])  # TypeError/ValueError: malformed
        return datetime.fromisoformat(value["dt"])  # KeyError/TypeError: malformed
    if isinstance(value, list):
        raise ValueError("a cursor value is a scalar")
    return value


def encode_cursor(sort: str, last_value: Any, last_id: int) -> str:
    raw = json.dumps([sort, _encode(last_value), last_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_ID = 2**63 - 1


def _python_type(column: InstrumentedAttribute[Any] | None) -> type | None:
    try:
        return column.property.columns[0].type.python_type if column is not None else None
    except (AttributeError, IndexError, NotImplementedError):
        return None


def _valid_value(value: Any, expected: type | None) -> bool:
    """A cursor is client input: its value must have the sort column's type before it reaches SQL."""
    if value is None:
        return True
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID
    if expected is str:
        return isinstance(value, str) and "\x00" not in value
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if isinstance(value, date):
        return True
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def decode_cursor(
    cursor: str, sort: str, column: InstrumentedAttribute[Any] | None = None
) -> tuple[Any, int]:
    """The (last value, last id) a cursor carries; InvalidCursor for anything malformed,
    including a well-formed cursor whose value does not fit the sort column."""
    malformed = InvalidCursor("the cursor is malformed; restart from the first page")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        issued_sort, raw_value, last_id = json.loads(base64.urlsafe_b64decode(padded))
        last_value = _decode(raw_value)
    except (ValueError, TypeError, KeyError, binascii.Error, json.JSONDecodeError, OverflowError):
        raise malformed from None
    if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id <= MAX_ID:
        raise malformed
    if issued_sort != sort:
        raise InvalidCursor(f"the cursor was issued for sort={issued_sort!r}, not sort={sort!r}")
    if not _valid_value(last_value, _python_type(column)):
        raise malformed
    return last_value, last_id


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
        last_value, last_id = decode_cursor(request.cursor, sort, column)
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
