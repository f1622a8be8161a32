"""Alembic environment: batch mode everywhere so ALTERs also run on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from cxhub.core.db import make_engine
from cxhub.knowledge.search.index import is_knowledge_index_table
from cxhub.models import Base
from cxhub.service.tickets.search import is_search_index_table

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave the full-text index (FTS5 virtual and shadow tables, tsvector table) out of
    autogenerate: it is not a model, its DDL is hand-written per dialect (revision 0003)."""
    return not (
        type_ == "table" and (is_search_index_table(name) or is_knowledge_index_table(name))
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
