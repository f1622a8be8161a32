"""Database engine, sessions and the declarative base shared by every domain.

Sync SQLAlchemy 2.0 (ADR 0001). One session per request or job, committed at that edge (ADR 0002).
Workspace isolation is enforced here, below every query, not left to each service (ADR 0006).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.types import TypeDecorator

from cxhub.core.sqlite_checkpoints import AUTOCHECKPOINT_PAGES
from cxhub.core.sqlite_writers import GatedConnection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT primary keys on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
IdType = BigInteger().with_variant(Integer(), "sqlite")
JSONType = (
    JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(sqlite.JSON(), "sqlite")
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; cxhub stores timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else _as_utc(value)

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _utc_from_sqlite_text
        return super().result_processor(dialect, coltype)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_from_sqlite_text(value: Any) -> datetime | None:
    """SQLite's stored text (naive UTC, as `process_bind_param` wrote it) straight to an aware
    datetime: parsing it with the offset appended costs a sixth of parsing it and then
    `replace(tzinfo=...)` (0.13 against 0.8 µs; every datetime of every row read). Anything
    else (a date, text with its own offset, not text) goes the general way."""
    if value is None or isinstance(value, datetime):
        return None if value is None else _as_utc(value)
    try:
        fast = datetime.fromisoformat(value + "+00:00")
    except ValueError:  # text with its own offset
        fast = None
    if fast is not None and fast.tzinfo is not None:  # a date alone ignores the suffix
        return fast
    return _as_utc(datetime.fromisoformat(value))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[str]: JSONType,
        list[list[str]]: JSONType,
    }


class IdMixin:
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkspaceScoped:
    """Mixin for every row that belongs to a workspace; queries are filtered automatically.

    A table whose composite indexes all start with `workspace_id` sets
    `__workspace_index__ = False`: a separate single-column index would only slow its inserts
    and, on SQLite without statistics, lure the planner away from the composite ones.
    """

    __workspace_index__: bool = True

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr signature
        return mapped_column(
            IdType,
            ForeignKey("workspaces.id", ondelete="CASCADE"),
            index=cls.__workspace_index__,
            nullable=False,
        )


def reference_index(table: str, column: str, *, optional: bool) -> Index:
    """An index led by a foreign-key column, so deleting the referenced row finds its rows.

    ON DELETE CASCADE / SET NULL / RESTRICT make the database look up the referencing rows by
    that column alone; our composite indexes lead with `workspace_id`, which that lookup cannot
    use, so without one it scanned the whole table under the write lock (ADR 0043). An optional
    reference's index leaves out the rows without one: they cost no index write, and both
    SQLite and PostgreSQL use a partial index `WHERE column IS NOT NULL` for `column = ?`.
    """
    if not optional:
        return Index(f"ix_{table}_{column}", column)
    present = text(f"{column} IS NOT NULL")
    return Index(f"ix_{table}_{column}", column, sqlite_where=present, postgresql_where=present)


class WorkspaceNotSet(RuntimeError):
    """A session touched workspace data before the edge said which workspace it serves."""


SYSTEM_SCOPE = (
    "system"  # session.info["workspace_id"] value that lifts the filter (CLI, migrations)
)


def workspace_session_info(workspace_id: int | str) -> dict[str, Any]:
    return {"workspace_id": workspace_id}


_SCOPED_TABLES: dict[int, frozenset[Any]] = {}


def _scoped_tables() -> frozenset[Any]:
    mappers = Base.registry.mappers
    cached = _SCOPED_TABLES.get(len(mappers))
    if cached is None:
        cached = frozenset(
            mapper.local_table for mapper in mappers if issubclass(mapper.class_, WorkspaceScoped)
        )
        _SCOPED_TABLES.clear()
        _SCOPED_TABLES[len(mappers)] = cached
    return cached


def _scope_plain_froms(statement: Any, workspace_id: int) -> Any:
    """Add `workspace_id = …` for every tenant table the SELECT reads directly.

    `with_loader_criteria` finds the entities of a statement from its columns and joins; an
    aggregate whose columns name no entity (`select(func.count()).where(and_(…))`) can slip
    through it. Plain FROM tables are filtered here as well (a WHERE on a joined table would
    turn an outer join inner, so joins are left to the loader criteria)."""
    if not isinstance(statement, Select):
        return statement
    scoped = _scoped_tables()
    for from_clause in statement.get_final_froms():
        if isinstance(from_clause, Table) and from_clause in scoped:
            statement = statement.where(from_clause.c.workspace_id == workspace_id)
    return statement


@lru_cache(maxsize=4096)
def _workspace_criteria(workspace_id: int) -> Any:
    """The loader criterion that keeps a statement inside one workspace, built once per workspace.

    Why cached: every ORM statement of a request gets it, and building the option (inspecting
    its lambda, its closure and the mapped classes) cost more than compiling the statement
    from SQLAlchemy's cache. Options are immutable, so one instance serves every statement."""
    return with_loader_criteria(
        WorkspaceScoped, lambda cls: cls.workspace_id == workspace_id, include_aliases=True
    )


def _enforce_workspace_filter(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_workspace_filter"):
        return
    workspace_id = state.session.info.get("workspace_id")
    if workspace_id == SYSTEM_SCOPE:
        return
    if workspace_id is None:
        # Unscoped sessions may only read non-tenant tables (workspaces, auth lookups by hash).
        if state.is_select and not state.all_mappers:
            state.statement = _scope_plain_froms(state.statement, -1)
        state.statement = state.statement.options(_workspace_criteria(-1))
        return
    if state.is_select and not state.all_mappers:
        # No entity among the columns: the loader criteria below may not see the tables.
        state.statement = _scope_plain_froms(state.statement, workspace_id)
    state.statement = state.statement.options(_workspace_criteria(workspace_id))


def _stamp_workspace(session: Session, flush_context: Any, instances: Any) -> None:
    workspace_id = session.info.get("workspace_id")
    for obj in session.new:
        if not isinstance(obj, WorkspaceScoped):
            continue
        current = getattr(obj, "workspace_id", None)
        if current is None:
            if not isinstance(workspace_id, int):
                raise WorkspaceNotSet(f"cannot infer workspace for new {type(obj).__name__}")
            obj.workspace_id = workspace_id
        elif isinstance(workspace_id, int) and current != workspace_id:
            raise WorkspaceNotSet(
                f"{type(obj).__name__} belongs to workspace {current}, session serves {workspace_id}"
            )


def install_session_hooks(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "do_orm_execute", _enforce_workspace_filter)
    event.listen(factory, "before_flush", _stamp_workspace)


SQLITE_WRITER_OPTION = "cxhub_sqlite_writer"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Checkpoints run in a background thread (core.sqlite_checkpoints); a writer's own commit
    # checkpoints only past this many pages of log, as a backstop.
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    # A long transaction (an import) leaves the log file as large as it grew; cut it back to
    # 64 MiB when the log restarts instead of keeping that size until the last connection closes.
    cursor.execute("PRAGMA journal_size_limit=67108864")
    # A 32 MiB page cache per connection and memory-mapped reads: index-heavy searches over a
    # million contacts stay in memory instead of re-reading pages through the VFS.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Start SQLite transactions explicitly, so SELECTs and SAVEPOINTs run inside them.

    pysqlite on its own begins a transaction only before DML: reads run outside it and a
    SAVEPOINT opened first becomes the outer transaction, whose RELEASE commits. Writers (the
    default) take the write lock up front with BEGIN IMMEDIATE, which waits on busy_timeout
    instead of failing when two read-then-write transactions collide; read-only request
    sessions use a plain deferred BEGIN so they never wait for a writer (WAL).
    """
    writer = connection.get_execution_options().get(SQLITE_WRITER_OPTION, True)
    if not writer:
        connection.exec_driver_sql("BEGIN")
        return
    raw = connection.connection.dbapi_connection
    if isinstance(raw, GatedConnection):
        raw.enter_write_gate()  # queue behind this process's writers (core.sqlite_writers)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(raw, GatedConnection):
            raw.leave_write_gate()
        raise


def _yield_to_writer(connection: Any, *_: Any) -> None:
    """Statements outside a write transaction wait for this process's writer (ADR 0036)."""
    raw = connection.connection.dbapi_connection
    if isinstance(raw, GatedConnection):
        raw.yield_to_writer()


def reader_bind(engine: Engine) -> Engine:
    """The engine for read-only units of work (GET requests): deferred transactions on SQLite."""
    return engine.execution_options(**{SQLITE_WRITER_OPTION: False})


def load_json(text: str | bytes | memoryview) -> Any:
    """JSON columns' decoder: orjson (several times faster than the standard decoder on the
    custom fields and payloads every list reads), the standard one for what orjson refuses
    (NaN, integers beyond 64 bits), so any value the standard encoder once stored still reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(bytes(text) if isinstance(text, memoryview) else text)


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_deserializer", load_json)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "factory": GatedConnection}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _yield_to_writer)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    install_session_hooks(factory)
    return factory


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], workspace_id: int | str | None
) -> Iterator[Session]:
    """The edge for jobs and CLI commands: commit once on success, roll back on any error."""
    session = factory(info=workspace_session_info(workspace_id) if workspace_id is not None else {})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
