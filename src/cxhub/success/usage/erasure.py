"""Usage events under erasure and retention (ADR 0015 storage: database inbox + Parquet files).

Erasure keeps the person's events (account adoption and usage trends keep their counts) but cuts
them loose from the person: `userId` and every `anonymousId` those events carried become one
random pseudonym per erasure (the link to the person is never stored), and the properties,
traits and context (IP address, user agent, page URLs) are emptied. The inbox is updated in the
erasure's transaction; the Parquet files are rewritten after it commits (`anonymise_files`):
each affected file is written to a temporary name, fsynced and renamed over the old one, with
the same name and ids, so compaction's crash recovery (which reads ids) is unaffected.

Retention deletes whole event days: the inbox rows and the `day=` partition directories.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.storage import PARQUET_OPTIONS, event_files, sql_literal, workspace_dir

PSEUDONYM_PREFIX = "erased-"


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(12)


@dataclass
class UsageErasure:
    events: int = 0
    files: int = 0


def _anonymous_ids_in_inbox(session: Session, user_ids: list[str]) -> set[str]:
    return {
        value
        for value in session.scalars(
            select(UsageEvent.anonymous_id).where(
                UsageEvent.user_id.in_(user_ids), UsageEvent.anonymous_id.is_not(None)
            )
        )
        if value
    }


def anonymise_inbox(
    session: Session, *, user_ids: list[str], pseudonym: str, extra_anonymous_ids: set[str]
) -> tuple[int, list[str]]:
    """Anonymise the not-yet-compacted events of `user_ids` and of the anonymous ids they used;
    answers how many events changed and every anonymous id involved (for `anonymise_files`)."""
    if not user_ids:
        return 0, []
    anonymous_ids = sorted(_anonymous_ids_in_inbox(session, user_ids) | extra_anonymous_ids)
    matched: list[Any] = [UsageEvent.user_id.in_(user_ids)]
    if anonymous_ids:
        matched.append(UsageEvent.anonymous_id.in_(anonymous_ids))
    ids = list(session.scalars(select(UsageEvent.id).where(or_(*matched))))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        session.execute(
            update(UsageEvent)
            .where(UsageEvent.id.in_(chunk), UsageEvent.user_id.is_not(None))
            .values(user_id=pseudonym)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(UsageEvent)
            .where(UsageEvent.id.in_(chunk), UsageEvent.anonymous_id.is_not(None))
            .values(anonymous_id=pseudonym)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(UsageEvent)
            .where(UsageEvent.id.in_(chunk))
            .values(properties={}, context={})
            .execution_options(synchronize_session=False)
        )
    return len(ids), anonymous_ids


_REWRITE = (
    "SELECT id, message_id, type, event, "
    "CASE WHEN {m} AND user_id IS NOT NULL THEN {p} ELSE user_id END AS user_id, "
    "CASE WHEN {m} AND anonymous_id IS NOT NULL THEN {p} ELSE anonymous_id END AS anonymous_id, "
    "group_id, timestamp, received_at, "
    "CASE WHEN {m} THEN '{{}}' ELSE properties END AS properties, "
    "CASE WHEN {m} THEN '{{}}' ELSE context END AS context "
    "FROM read_parquet({f}) ORDER BY id"
)
_MATCH = (
    "(user_id IN (SELECT value FROM erased_users) "
    "OR anonymous_id IN (SELECT value FROM erased_anonymous))"
)


@contextmanager
def _rewrite_lock(data_dir: Path, workspace_id: int) -> Iterator[None]:
    """One rewriter per workspace store at a time, across processes (the request's job and the
    retention job of another process): two erasures rewriting the same file from the same
    original would each drop the other's anonymisation."""
    root = workspace_dir(data_dir, workspace_id)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".rewrite.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _replace_with(path: Path, connection: duckdb.DuckDBPyConnection, query: str) -> None:
    """Write `query` to a temporary file of a unique name next to `path` (which `event_files`
    never lists), fsync it and move it over `path`; the temporary file never outlives a failure."""
    temporary = path.with_name(f".{path.name}.tmp-{secrets.token_hex(8)}")
    try:
        connection.execute(f"COPY ({query}) TO {sql_literal(temporary)} ({PARQUET_OPTIONS})")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def anonymise_files(
    data_dir: Path,
    *,
    workspace_id: int,
    user_ids: list[str],
    anonymous_ids: list[str],
    pseudonym: str,
) -> UsageErasure:
    """Rewrite the workspace's Parquet files that hold events of `user_ids` (or of an anonymous
    id any of those events, or `anonymous_ids`, carried); answers how many events and files were rewritten."""
    result = UsageErasure()
    if not user_ids or not event_files(data_dir, workspace_id):
        return result
    if not pseudonym.startswith(PSEUDONYM_PREFIX) or not pseudonym[7:].isalnum():
        raise ValueError("not a pseudonym made by new_pseudonym()")
    with _rewrite_lock(data_dir, workspace_id), duckdb.connect() as connection:
        # Listed under the lock: a file another rewriter replaced meanwhile is read afresh.
        files = [f.path for f in event_files(data_dir, workspace_id)]
        connection.execute("CREATE TEMP TABLE erased_users(value VARCHAR)")
        connection.execute("CREATE TEMP TABLE erased_anonymous(value VARCHAR)")
        connection.executemany("INSERT INTO erased_users VALUES (?)", [[u] for u in user_ids])
        connection.execute(
            "INSERT INTO erased_anonymous SELECT DISTINCT anonymous_id FROM read_parquet(?) "
            "WHERE anonymous_id IS NOT NULL AND user_id IN (SELECT value FROM erased_users)",
            [[str(p) for p in files]],
        )
        if anonymous_ids:
            connection.executemany(
                "INSERT INTO erased_anonymous VALUES (?)", [[a] for a in anonymous_ids]
            )
        # One scan finds the affected files; only those are rewritten.
        affected = connection.execute(
            "SELECT filename, count(*) FROM read_parquet(?, filename = true) "  # noqa: S608
            f"WHERE {_MATCH} GROUP BY filename",
            [[str(p) for p in files]],
        ).fetchall()
        matches = {Path(name): int(count) for name, count in affected}
        for path in files:
            matched = matches.get(path, 0)
            if not matched:
                continue
            query = _REWRITE.format(m=_MATCH, p=f"'{pseudonym}'", f=sql_literal(path))
            _replace_with(path, connection, query)
            result.events += matched
            result.files += 1
    return result


def anonymous_ids_in_files(data_dir: Path, *, workspace_id: int, user_ids: list[str]) -> set[str]:
    """The anonymous ids the compacted events of `user_ids` carried (to anonymise the inbox's
    events of the same visitor made before they signed in)."""
    files = [str(f.path) for f in event_files(data_dir, workspace_id)]
    if not user_ids or not files:
        return set()
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT DISTINCT anonymous_id FROM read_parquet(?) "
            "WHERE anonymous_id IS NOT NULL AND list_contains(?, user_id)",
            [files, user_ids],
        ).fetchall()
    return {row[0] for row in rows}


# Retention ------------------------------------------------------------------------------------


def delete_inbox_older_than(session: Session, *, before: datetime, limit: int) -> int:
    ids = list(
        session.scalars(
            select(UsageEvent.id)
            .where(UsageEvent.timestamp < before)
            .order_by(UsageEvent.id)
            .limit(limit)
        )
    )
    if ids:
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            delete(UsageEvent)
            .where(UsageEvent.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)
    return 0


def count_inbox_older_than(session: Session, *, before: datetime) -> int:
    return int(
        session.scalar(select(func.count(UsageEvent.id)).where(UsageEvent.timestamp < before)) or 0
    )


def expired_days(data_dir: Path, *, workspace_id: int, before: date) -> list[Path]:
    """The workspace's `day=` partition directories of days before `before`, oldest first."""
    days = sorted({f.path.parent for f in event_files(data_dir, workspace_id) if f.day < before})
    root = workspace_dir(data_dir, workspace_id)
    return [d for d in days if d.parent == root]


def delete_days(directories: list[Path]) -> int:
    """Delete whole day partitions; answers how many Parquet files went with them."""
    files = 0
    for directory in directories:
        files += sum(1 for p in directory.iterdir() if p.suffix == ".parquet")
        shutil.rmtree(directory)
    return files
