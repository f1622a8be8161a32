"""Multi-row INSERTs for the import: the one place that trades generality for speed.

PostgreSQL: SQLAlchemy's own `executemany` ("insertmanyvalues" batching, and `INSERT ...
RETURNING id` with `sort_by_parameter_order` when the new ids are needed) is already fast.

SQLite needs two departures, both measured with cProfile on 100,000 contacts:
- SQLAlchemy honours `sort_by_parameter_order` on SQLite only by running one INSERT per row, so
  the ids are chosen here, after `max(id)`, and written explicitly. The mapping row -> id is then
  known by construction; if another writer takes one of those ids first, the INSERT fails on the
  primary key (never a wrong mapping) and `tasks.run_import` retries the batch row by row.
- Core's per-row parameter processing cost more than SQLite's own work, so the statement is
  written once (qmark style, names quoted by the dialect) and the rows go to the driver as tuples in
  multi-row statements (`core.multirow`), converted by the
  columns' own bind processors (UTC datetimes, JSON, enums), so what is stored is identical;
  callers on the hot path (contacts) hand over tuples directly (`insert_tuples`), and values
  that repeat (an enum member, an empty JSON object) are converted once per batch.
Python-side column defaults (`created_at`, `updated_at`, `custom_attributes`) are filled in
here for the same reason, evaluated once per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import JSON, Connection, Enum, Table, func, insert, select

from cxhub.core.db import Base
from cxhub.core.multirow import multirow_insert


def _defaults(table: Table, present: Collection[str]) -> dict[str, Any]:
    """Python-side defaults for the columns the rows lack, evaluated once for the whole batch.

    Sharing one default value between the rows of a batch is safe: each is serialised at once.
    """
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in present or default is None:
            continue
        if default.is_callable:
            defaults[column.name] = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
    return defaults


def _convert_column(column_type: Any, process: Callable[[Any], Any], values: Any) -> list[Any]:
    """One column of a batch through its bind processor; values that repeat row after row (an
    enum member, an empty JSON object) are converted once per batch."""
    if isinstance(column_type, Enum):
        converted = {value: process(value) for value in set(values)}
        return list(map(converted.__getitem__, values))
    if isinstance(column_type, JSON):
        empty = process({})
        return [empty if type(value) is dict and not value else process(value) for value in values]
    return list(map(process, values))


def _sqlite_insert(
    connection: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT `rows` (tuples in `names` order) in multi-row statements."""
    dialect = connection.dialect
    constants = _defaults(table, names)
    order = [*names, *constants]
    # In the caller's column order (Core would use the table's); only quoted names, no values.
    quote = dialect.identifier_preparer.quote
    table_name = dialect.identifier_preparer.format_table(table)
    columns = ", ".join(quote(name) for name in order)
    head = f"INSERT INTO {table_name} ({columns})"
    processors = {
        name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    }
    tail = tuple(
        process(value) if (process := processors[name]) else value
        for name, value in constants.items()
    )
    converted = [
        (index, table.c[name].type.dialect_impl(dialect), process)
        for index, name in enumerate(names)
        if (process := processors[name])
    ]
    parameters: list[tuple[Any, ...]]
    if not converted:
        parameters = [row + tail for row in rows] if tail else rows
    else:  # column by column: the transpositions run in C, the conversions once per column
        by_column: list[Any] = list(zip(*rows, strict=True))
        for index, column_type, process in converted:
            by_column[index] = _convert_column(column_type, process, by_column[index])
        by_column.extend(repeat(value, len(rows)) for value in tail)
        parameters = list(zip(*by_column, strict=True))
    multirow_insert(connection, head, parameters)  # multi-row statements: see core.multirow


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as such."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_tuples(
    connection: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert `rows`, each a tuple of values for `names`; Python-side defaults fill the rest."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _sqlite_insert(connection, table, names, rows)
    else:
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def insert_tuples_returning_ids(
    connection: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[int]:
    """`insert_tuples` that returns the new primary keys, in the order of `rows`."""
    if not rows:
        return []
    id_column = table.c.id
    if connection.dialect.name == "sqlite":
        start = connection.execute(select(func.coalesce(func.max(id_column), 0))).scalar_one()
        ids = range(start + 1, start + 1 + len(rows))
        _sqlite_insert(
            connection, table, ("id", *names), [(i, *row) for i, row in zip(ids, rows, strict=True)]
        )
        return list(ids)
    statement = insert(table).returning(id_column, sort_by_parameter_order=True)
    parameters = [dict(zip(names, row, strict=True)) for row in rows]
    return [row.id for row in connection.execute(statement, parameters)]


def _as_tuples(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    names = list(rows[0])
    return names, [tuple(row[name] for name in names) for row in rows]


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _sqlite_insert(connection, table, *_as_tuples(rows))
    else:
        connection.execute(insert(table), rows)


def insert_returning_ids(
    connection: Connection, table: Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert `rows`; returns their new primary keys in the same order."""
    if not rows:
        return []
    if connection.dialect.name == "sqlite":
        return insert_tuples_returning_ids(connection, table, *_as_tuples(rows))
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [row.id for row in connection.execute(statement, rows)]
