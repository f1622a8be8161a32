"""Deleting a row finds the rows that reference it through an index (migration 0034, ADR 0043).

ON DELETE CASCADE / SET NULL / RESTRICT make the database look up the referencing rows by the
foreign-key column alone. An index led by `workspace_id` cannot serve that lookup, so every
deletion of an account, contact, ticket, survey, ... scanned each referencing table whole,
under the write lock. Users and workspaces are never deleted (users are deactivated), so the
references to them need no index of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, ForeignKeyConstraint, Table, text

from cxhub.core.runtime import Runtime
from cxhub.models import Base

NEVER_DELETED = frozenset({"users", "workspaces"})


def _references() -> Iterator[tuple[Table, str, str]]:
    """(table, foreign-key column, referenced table) of every reference to a deletable row."""
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                referred = constraint.referred_table.name
                if referred not in NEVER_DELETED:
                    yield table, constraint.column_keys[0], referred


def _leading_columns(table: Table) -> set[str]:
    leading = {index.columns.values()[0].name for index in table.indexes}
    for constraint in table.constraints:
        columns = list(getattr(constraint, "columns", ()))
        if columns and not isinstance(constraint, ForeignKeyConstraint):
            leading.add(columns[0].name)  # primary keys and unique constraints are indexes
    return leading


@pytest.mark.nodb
def test_every_reference_to_a_deletable_row_leads_an_index() -> None:
    references = list(_references())
    assert len(references) > 60  # the schema's references, not an empty walk
    missing = [
        f"{table.name}.{column} -> {referred}"
        for table, column, referred in references
        if column not in _leading_columns(table)
    ]
    assert missing == []


def _sqlite_seek(connection: Connection, table: str, column: str) -> str | None:
    """None when SQLite seeks the rows by `column`, else its plan (a scan, or a skip-scan
    `ANY(workspace_id) AND column=?`, which only statistics make it choose)."""
    lookup = f"SELECT 1 FROM {table} WHERE {column} = ?"  # noqa: S608 - names from the schema
    plan = " / ".join(
        str(row[3]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {lookup}", (1,))
    )
    seeks = re.search(rf"USING (COVERING )?INDEX \w+ \({column}=\?|PRIMARY KEY \(rowid=\?\)", plan)
    return None if seeks else plan


def _postgresql_seek(connection: Connection, table: str, column: str) -> str | None:
    """None when the lookup PostgreSQL's referential-integrity triggers prepare (generic, one
    parameter) reads an index led by `column`, else its plan. Sequential scans are priced out,
    so an empty table still shows the index it would use."""
    run = connection.exec_driver_sql
    run("SET LOCAL enable_seqscan = off")
    run("SET LOCAL plan_cache_mode = force_generic_plan")
    lookup = f"SELECT 1 FROM {table} WHERE {column} = $1"  # noqa: S608 - names from the schema
    run(f"PREPARE reference_lookup(bigint) AS {lookup}")
    try:
        plan = " / ".join(row[0] for row in run("EXPLAIN EXECUTE reference_lookup(1)"))
    finally:
        run("DEALLOCATE reference_lookup")
    used = re.search(r"Index (?:Only )?Scan using (\w+) on|Bitmap Index Scan on (\w+)", plan)
    if used is None:
        return plan
    leading = connection.execute(
        text(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE c.relname = :name"
        ),
        {"name": used.group(1) or used.group(2)},
    ).scalar_one()
    return None if leading == column else plan


def test_the_database_seeks_each_reference_by_its_column(runtime: Runtime) -> None:
    seek = _sqlite_seek if runtime.engine.dialect.name == "sqlite" else _postgresql_seek
    scans: dict[str, str] = {}
    with runtime.engine.connect() as connection:
        for table, column, _referred in _references():
            plan = seek(connection, table.name, column)
            if plan is not None:
                scans[f"{table.name}.{column}"] = plan
        connection.rollback()
    assert scans == {}
