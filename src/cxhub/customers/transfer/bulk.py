"""Multi-row INSERTs for the import: the one place that trades generality for speed.

PostgreSQL: SQLAlchemy's own `executemany` ("insertmanyvalues" batching, and `INSERT ...
RETURNING id` with `sort_by_parameter_order` when the new ids are needed) is already fast.

SQLite needs two departures, both measured with cProfile on 100,000 contacts:
- SQLAlchemy honours `sort_by_parameter_order` on SQLite only by running one INSERT per row, so
  the ids are chosen here, after `max(id)`, and written explicitly. The mapping row -> id is then
  known by construction; if another writer takes one of those ids first, the INSERT fails on the
  primary key (never a wrong mapping) and `tasks.run_import` retries the batch row by row.
- Core's per-row parameter processing cost more than SQLite's own work, so the statement is
  compiled once and the rows go to the driver's `executemany` as tuples, converted by the
  columns' own bind processors (UTC datetimes, JSON, enums), so what is stored is identical.
Python-side column defaults (`created_at`, `updated_at`, `custom_attributes`) are filled in
here for the same reason, evaluated once per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select

from cxhub.core.db import Base


def _defaults(table: Table, present: dict[str, Any]) -> dict[str, Any]:
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


def _sqlite_executemany(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    dialect = connection.dialect
    constants = _defaults(table, rows[0])
    names = [c.name for c in table.columns if c.name in rows[0] or c.name in constants]
    compiled = (
        insert(table).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
    )
    order: list[str] = list(compiled.positiontup or names)
    processors: dict[str, Callable[[Any], Any] | None] = {
        name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    }
    for name, value in constants.items():
        process = processors[name]
        constants[name] = process(value) if process else value
    varying = [name for name in order if name not in constants]
    template = [constants.get(name) for name in order]
    plain = [(order.index(name), name) for name in varying if not processors[name]]
    converted = [
        (order.index(name), name, process) for name in varying if (process := processors[name])
    ]
    parameters: list[tuple[Any, ...]] = []
    for row in rows:
        values = template.copy()
        for index, name in plain:
            values[index] = row[name]
        for index, name, process in converted:
            values[index] = process(row[name])
        parameters.append(tuple(values))
    connection.exec_driver_sql(compiled.string, parameters)


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as such."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _sqlite_executemany(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def insert_returning_ids(
    connection: Connection, table: Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert `rows`; returns their new primary keys in the same order."""
    if not rows:
        return []
    id_column = table.c.id
    if connection.dialect.name == "sqlite":
        start = connection.execute(select(func.coalesce(func.max(id_column), 0))).scalar_one()
        ids = list(range(start + 1, start + 1 + len(rows)))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        _sqlite_executemany(connection, table, rows)
        return ids
    statement = insert(table).returning(id_column, sort_by_parameter_order=True)
    return [row.id for row in connection.execute(statement, rows)]
