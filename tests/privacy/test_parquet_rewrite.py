"""Anonymising compacted usage events rewrites Parquet files safely next to other writers: a
unique temporary name per rewrite (never one a concurrent run also uses), readers never list
temporary files, and rewrites of one workspace's store are serialised across processes."""

from __future__ import annotations

import fcntl
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cxhub.success.usage.erasure import anonymise_files, new_pseudonym
from cxhub.success.usage.storage import day_dir, event_files, file_name, sql_literal

pytestmark = pytest.mark.nodb

WORKSPACE = 7


def _write_events(data_dir: Path, users: list[str]) -> Path:
    folder = day_dir(data_dir, WORKSPACE, date(2026, 5, 1))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(1, len(users))
    rows = ", ".join(
        f"({i}, 'm{i}', 'track', 'Login', '{u}', 'anon-{u}', NULL, "
        "TIMESTAMP '2026-05-01 10:00:00', TIMESTAMP '2026-05-01 10:00:00', '{}', '{}')"
        for i, u in enumerate(users, start=1)
    )
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT * FROM (VALUES {rows}) AS t(id, message_id, type, event, user_id, "  # noqa: S608
            "anonymous_id, group_id, timestamp, received_at, properties, context)) "
            f"TO {sql_literal(path)} (FORMAT PARQUET)"
        )
    return path


def _users(path: Path) -> list[str]:
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT user_id FROM read_parquet(?) ORDER BY id", [str(path)]
        ).fetchall()
    return [row[0] for row in rows]


def test_a_concurrent_runs_temporary_file_is_left_alone(tmp_path: Path) -> None:
    path = _write_events(tmp_path, ["ada", "bob"])
    # Another process is halfway through writing its own rewrite of the same file.
    theirs = path.with_name(path.name + ".tmp")
    theirs.write_bytes(b"another writer's half-written file")
    pseudonym = new_pseudonym()
    done = anonymise_files(
        tmp_path, workspace_id=WORKSPACE, user_ids=["ada"], anonymous_ids=[], pseudonym=pseudonym
    )
    assert (done.events, done.files) == (1, 1)
    assert _users(path) == [pseudonym, "bob"]
    assert theirs.read_bytes() == b"another writer's half-written file"
    # Nothing of ours is left behind, and readers list only real event files.
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, theirs.name])
    (path.parent / f".{path.name}.tmp-0123456789abcdef").write_bytes(b"partial")
    assert [f.path for f in event_files(tmp_path, WORKSPACE)] == [path]


def test_rewrites_of_one_store_wait_for_each_other(tmp_path: Path) -> None:
    path = _write_events(tmp_path, ["ada", "bob"])
    lock = path.parent.parent / ".rewrite.lock"
    pseudonym = new_pseudonym()
    with open(lock, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        worker = threading.Thread(
            target=anonymise_files,
            kwargs={
                "data_dir": tmp_path,
                "workspace_id": WORKSPACE,
                "user_ids": ["bob"],
                "anonymous_ids": [],
                "pseudonym": pseudonym,
            },
        )
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive()
        assert _users(path) == ["ada", "bob"]
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert _users(path) == ["ada", pseudonym]
