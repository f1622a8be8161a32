"""The migrations build exactly the models' schema, and they run down and up again (ADR 0009).

The session's test database was built by `alembic upgrade head` (conftest), so comparing it with
`Base.metadata` proves that no model change is missing a migration, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from cxhub.core.db import make_engine
from cxhub.core.migrate import alembic_config, downgrade_database, upgrade_database
from cxhub.core.settings import normalise_database_url
from cxhub.knowledge.search.index import is_knowledge_index_table
from cxhub.models import Base
from cxhub.service.tickets.search import is_search_index_table


def _differences(database_url: str) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "compare_server_default": False,
                    # The full-text index is hand-written DDL, not a model (revision 0003).
                    "include_name": lambda name, type_, _: (
                        not (
                            type_ == "table"
                            and (is_search_index_table(name) or is_knowledge_index_table(name))
                        )
                    ),
                },
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    assert _differences(database_url) == []


def test_revision_ids_fit_alembic_version() -> None:
    """`alembic_version.version_num` is VARCHAR(32): PostgreSQL refuses a longer revision id
    when the upgrade records it (SQLite does not check, so only the PostgreSQL pass failed)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    too_long = [r.revision for r in script.walk_revisions() if len(r.revision) > 32]
    assert too_long == []


def test_database_is_at_the_single_head(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations have branched: {heads}; merge them"
    assert _revision(database_url) == heads[0]


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, never the suite's shared one."""
    base = os.environ.get("CXHUB_TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'round-trip.sqlite3'}"
        return
    import psycopg

    url = make_url(normalise_database_url(base))
    name = f"cxhub_roundtrip_{uuid.uuid4().hex[:12]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_downgrade_to_base_and_upgrade_again(fresh_database_url: str) -> None:
    model_tables = set(Base.metadata.tables)
    upgrade_database(fresh_database_url)
    assert _tables(fresh_database_url) >= model_tables
    downgrade_database(fresh_database_url, "base")
    assert _tables(fresh_database_url) & model_tables == set()
    assert _revision(fresh_database_url) is None
    upgrade_database(fresh_database_url)
    assert _differences(fresh_database_url) == []


def test_each_revision_downgrades_one_step(fresh_database_url: str) -> None:
    """Walk the chain: every revision's downgrade undoes its upgrade."""
    script = ScriptDirectory.from_config(alembic_config(fresh_database_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        upgrade_database(fresh_database_url, revision)
        assert _revision(fresh_database_url) == revision
    for revision in reversed(revisions):
        assert _revision(fresh_database_url) == revision
        downgrade_database(fresh_database_url, "-1")
    assert _revision(fresh_database_url) is None
