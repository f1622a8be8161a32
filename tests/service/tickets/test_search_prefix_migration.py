"""Revision 0015_search_prefix on a SQLite file: the index is rebuilt with its prefix index,
keeps every document, and comes back without it on downgrade (PostgreSQL: nothing changes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cxhub.core.migrate import downgrade_database, upgrade_database

pytestmark = pytest.mark.nodb  # its own SQLite file, whatever engine the suite runs


def _index(path: Path) -> tuple[str, list[tuple[int, str]], list[str]]:
    with sqlite3.connect(path) as db:
        (ddl,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ticket_search'").fetchone()
        rows = db.execute("SELECT rowid, document FROM ticket_search ORDER BY rowid").fetchall()
        tables = [
            str(name)
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'ticket_search%' ORDER BY name"
            )
        ]
    return str(ddl), [(int(r), str(d)) for r, d in rows], tables


def test_upgrade_rebuilds_the_index_with_prefixes_and_downgrade_restores_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cxhub.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url, "0013")
    documents = [(1, "refund request printer offline"), (7, "e mail 打印 印机 refunded")]
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO ticket_search (rowid, document) VALUES (?, ?)", documents)
    ddl, rows, tables = _index(path)
    assert "prefix" not in ddl
    assert "ticket_search_vocab" not in tables

    upgrade_database(url, "0015_search_prefix")
    ddl, rows, tables = _index(path)
    assert "prefix = '2 3 4'" in ddl
    assert rows == documents
    assert "ticket_search_vocab" in tables
    assert "ticket_search_rebuilt" not in tables
    with sqlite3.connect(path) as db:
        found = db.execute(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH '\"refu\" *' ORDER BY rowid"
        ).fetchall()
        assert found == [(1,), (7,)]
        words = db.execute(
            "SELECT term FROM ticket_search_vocab WHERE term >= 'refu' AND term < 'refv'"
        ).fetchall()
        assert words == [("refund",), ("refunded",)]
        (automerge,) = db.execute(
            "SELECT v FROM ticket_search_config WHERE k = 'automerge'"
        ).fetchone()
        assert automerge == 4  # the load's setting is put back to FTS5's default

    downgrade_database(url, "0013")
    ddl, rows, tables = _index(path)
    assert "prefix" not in ddl
    assert "ticket_search_vocab" not in tables
    assert rows == documents
