"""`import_event_files` with its database parts passed in: what lands when identity
resolution fails or refuses."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from cxhub.success.usage import bulk_import
from cxhub.success.usage.bulk_import import (
    EventImportReport,
    IdentityCall,
    IdentityResolver,
    RejectedEvent,
    connect,
    import_event_files,
)
from cxhub.success.usage.import_checks import EventFileFormat
from cxhub.success.usage.import_write import day_chunks
from cxhub.success.usage.storage import event_files, events_root

WORKSPACE = 7


def _source(tmp_path: Path) -> Path:
    records = [
        {"type": "track", "messageId": f"t{n}", "userId": "u", "event": "Seen",
         "timestamp": f"2026-05-0{1 + n % 3}T10:00:00Z"}
        for n in range(9)
    ] + [
        {"type": "identify", "messageId": "i1", "userId": "u", "traits": {"email": "x"},
         "timestamp": "2026-05-02T11:00:00Z"},
        {"type": "group", "messageId": "g1", "userId": "u", "groupId": "a",
         "timestamp": "2026-05-03T11:00:00Z"},
    ]  # fmt: skip
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _import(
    tmp_path: Path,
    resolve: IdentityResolver,
    *,
    paths: list[Path] | None = None,
    inbox: tuple[str, ...] = (),
) -> EventImportReport:
    """One import (of `_source` unless `paths` are given), its DuckDB closed after it."""
    with connect(temp_dir=tmp_path / "tmp") as connection:
        return _import_into(connection, tmp_path, paths or [_source(tmp_path)], resolve, inbox)


def _import_into(
    connection: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    paths: list[Path],
    resolve: IdentityResolver,
    inbox: tuple[str, ...] = (),
) -> EventImportReport:
    """One import of `paths` through `connection` (left open: its tables can be read after)."""
    return import_event_files(
        connection,
        paths,
        kind=EventFileFormat.NDJSON,
        workspace_id=WORKSPACE,
        data_dir=tmp_path / "data",
        inbox_ids=lambda start, end: list(inbox),
        resolve_identity=resolve,
        received_at=datetime(2026, 5, 4, tzinfo=UTC),
    )


def _stored_ids(tmp_path: Path) -> list[str]:
    files = [str(f.path) for f in event_files(tmp_path / "data", WORKSPACE)]
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT message_id FROM read_parquet(?) ORDER BY 1", [files]
        ).fetchall()
    return [row[0] for row in rows]


def test_a_failing_identity_resolution_leaves_the_store_untouched(tmp_path: Path) -> None:
    seen: list[list[IdentityCall]] = []

    def fail(calls: list[IdentityCall]) -> list[RejectedEvent]:
        seen.append(calls)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        _import(tmp_path, fail)
    assert sorted(c.message_id for c in seen[0]) == ["g1", "i1"]
    assert event_files(tmp_path / "data", WORKSPACE) == []
    root = events_root(tmp_path / "data")
    assert not root.exists() or list(root.iterdir()) == []  # nothing staged either


def test_refused_calls_are_rejected_and_the_rest_of_their_days_stored(tmp_path: Path) -> None:
    def refuse_both(calls: list[IdentityCall]) -> list[RejectedEvent]:
        return [RejectedEvent(None, c.message_id, f"refused {c.type}") for c in calls]

    report = _import(tmp_path, refuse_both)
    assert (report.read, report.written, report.rejected) == (11, 9, 2)
    assert report.reasons == {"refused group": 1, "refused identify": 1}
    assert _stored_ids(tmp_path) == sorted(f"t{n}" for n in range(9))
    days = sorted(f.day.isoformat() for f in event_files(tmp_path / "data", WORKSPACE))
    assert days == ["2026-05-01", "2026-05-02", "2026-05-03"]


def test_accepted_calls_are_stored_with_the_rest(tmp_path: Path) -> None:
    report = _import(tmp_path, lambda calls: [])
    assert (report.written, report.rejected) == (11, 0)
    assert _stored_ids(tmp_path) == sorted(["g1", "i1", *(f"t{n}" for n in range(9))])


def test_a_messageid_repeated_in_the_files_is_stored_once_and_not_again(tmp_path: Path) -> None:
    """Repeats with nothing stored yet, then repeats with everything stored: the two plans of
    the write that the simple tests (no repeats) do not reach."""
    source = _source(tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([*lines, lines[0], lines[-1]]) + "\n", encoding="utf-8")
    paths = [source, source]  # the same file twice: every record repeated
    outcomes = []
    for _ in range(2):
        report = _import(tmp_path, lambda calls: [], paths=paths, inbox=("t3",))
        outcomes.append((report.read, report.written, report.already_stored))
    assert outcomes == [(26, 10, 16), (26, 0, 26)]
    assert _stored_ids(tmp_path) == sorted(["g1", "i1", *(f"t{n}" for n in range(9) if n != 3)])


def test_a_refused_call_among_repeats_leaves_one_copy_of_every_other_event(
    tmp_path: Path,
) -> None:
    """Refused calls skipped and messageIds repeated: the write plan with both joins."""
    source = _source(tmp_path)
    paths = [source, source]

    def refuse_group(calls: list[IdentityCall]) -> list[RejectedEvent]:
        return [RejectedEvent(None, c.message_id, "no") for c in calls if c.type == "group"]

    report = _import(tmp_path, refuse_group, paths=paths)
    assert (report.read, report.written, report.rejected) == (22, 10, 2)
    assert _stored_ids(tmp_path) == sorted(["i1", *(f"t{n}" for n in range(9))])


def test_refusals_name_their_file_and_stored_rows_carry_none(tmp_path: Path) -> None:
    """A record the checks refuse and a call identity refuses both name their file; the rows
    that can be refused by neither do not keep a copy of the path (memory: 45 bytes each)."""
    source = _source(tmp_path)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"type": "track", "messageId": "bad", "userId": "u"}\n')  # no event name

    def refuse_identify(calls: list[IdentityCall]) -> list[RejectedEvent]:
        return [RejectedEvent(None, c.message_id, "refused") for c in calls if c.type == "identify"]

    with connect(temp_dir=tmp_path / "tmp") as connection:
        _import_into(connection, tmp_path, [source], refuse_identify)
        refused = connection.execute(
            "SELECT message_id, filename FROM rejects ORDER BY 1"
        ).fetchall()
        named = connection.execute(
            "SELECT type, count(filename) FROM checked WHERE reason IS NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert refused == [("bad", str(source)), ("i1", str(source))]
    assert named == [("group", 1), ("identify", 1), ("track", 0)]


def test_a_track_row_refused_with_a_call_of_its_messageid_names_the_calls_file(
    tmp_path: Path,
) -> None:
    """A refused call refuses every row of its messageId; one of another type kept no file
    name of its own and takes the call's."""
    path = tmp_path / "shared.ndjson"
    records = [
        {"type": "identify", "messageId": "same", "userId": "u", "traits": {"email": "x"},
         "timestamp": "2026-05-02T11:00:00Z"},
        {"type": "track", "messageId": "same", "userId": "u", "event": "Seen",
         "timestamp": "2026-05-02T12:00:00Z"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with connect(temp_dir=tmp_path / "tmp") as connection:
        report = _import_into(
            connection, tmp_path, [path], lambda calls: [RejectedEvent(None, "same", "refused")]
        )
        refused = connection.execute("SELECT type, filename FROM rejects ORDER BY 1").fetchall()
    assert (report.rejected, report.written) == (2, 0)
    assert refused == [("identify", str(path)), ("track", str(path))]


def test_the_write_leaves_duckdb_on_its_configured_threads(tmp_path: Path) -> None:
    with connect(temp_dir=tmp_path / "tmp") as connection:
        connection.execute("SET threads = 3")
        _import_into(connection, tmp_path, [_source(tmp_path)], lambda calls: [])
        threads = connection.execute("SELECT current_setting('threads')").fetchone()
    assert threads == (3,)


def test_day_chunks_split_the_valid_rows_into_consecutive_ranges_of_similar_size() -> None:
    counts = {"2026-05-01": 5, "2026-05-02": 1, "2026-05-03": 1, "2026-05-04": 5, "2026-05-06": 2}
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE checked (timestamp TIMESTAMP, reason VARCHAR)")
        for day, count in counts.items():
            connection.execute(
                "INSERT INTO checked SELECT CAST(? AS TIMESTAMP) + INTERVAL 3 HOUR, NULL "
                "FROM range(?)",
                [day, count],
            )
        connection.execute(  # refused rows count for nothing
            "INSERT INTO checked SELECT TIMESTAMP '2026-05-05 10:00', 'bad' FROM range(50)"
        )
        halves = day_chunks(connection, 2)
        singles = day_chunks(connection, 14)  # a row per piece: every day alone
        whole = day_chunks(connection, 1)
    iso = [(a.isoformat(), b.isoformat()) for a, b in halves]
    assert iso == [("2026-05-01", "2026-05-03"), ("2026-05-04", "2026-05-06")]  # 7 rows each
    assert [a.isoformat() for a, b in singles] == list(counts)
    assert all(a == b for a, b in singles)
    assert [(a.isoformat(), b.isoformat()) for a, b in whole] == [("2026-05-01", "2026-05-06")]


def test_a_messageid_repeated_on_different_days_is_stored_once_on_its_first_day(
    tmp_path: Path,
) -> None:
    """Each chunk of days is its own COPY of the de-duplicating query: the copy kept must be
    the same one in every chunk, or two days would each keep theirs."""
    records = [
        {"type": "track", "messageId": "same", "userId": "u", "event": f"Seen {day}",
         "timestamp": f"2026-05-{day:02d}T10:00:00Z"}
        for day in (9, 3, 6, 1, 7)
    ] + [
        {"type": "track", "messageId": f"t{day}", "userId": "u", "event": "Seen",
         "timestamp": f"2026-05-{day:02d}T12:00:00Z"}
        for day in range(1, 10)
    ]  # fmt: skip
    path = tmp_path / "repeats.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    report = _import(tmp_path, lambda calls: [], paths=[path])
    assert (report.read, report.written, report.already_stored) == (14, 10, 4)
    files = [str(f.path) for f in event_files(tmp_path / "data", WORKSPACE)]
    with duckdb.connect() as connection:
        kept = connection.execute(
            "SELECT event, CAST(timestamp AS DATE)::VARCHAR FROM read_parquet(?) "
            "WHERE message_id = 'same'",
            [files],
        ).fetchall()
    assert kept == [("Seen 1", "2026-05-01")]


def _threads(connection: duckdb.DuckDBPyConnection) -> int:
    return int(connection.execute("SELECT current_setting('threads')").fetchall()[0][0])


def _import_on_three_threads(
    tmp_path: Path,
    resolve: Callable[[duckdb.DuckDBPyConnection], IdentityResolver],
    threads_after: list[int],
) -> EventImportReport:
    """An import of `_source` plus one repeated record, DuckDB set to 3 threads; the thread
    setting afterwards goes to `threads_after`, failed or not. `resolve(connection)` makes
    the identity resolver."""
    source = _source(tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([*lines, lines[0]]) + "\n", encoding="utf-8")
    with connect(temp_dir=tmp_path / "tmp") as connection:
        connection.execute("SET threads = 3")
        try:
            report = _import_into(connection, tmp_path, [source], resolve(connection))
        finally:
            threads_after.append(_threads(connection))
    return report


def test_the_repeats_scan_runs_beside_identity_on_one_duckdb_thread(tmp_path: Path) -> None:
    """Identity takes one core, the repeats scan the other: while identity runs, DuckDB is on
    one thread and the scan finishes (identity waits for its table: done one after the other,
    it would never appear). The setting is back afterwards and the repeat is found."""
    during: list[tuple[int, bool]] = []

    def resolving(connection: duckdb.DuckDBPyConnection) -> IdentityResolver:
        def resolve(calls: list[IdentityCall]) -> list[RejectedEvent]:
            deadline, found = time.monotonic() + 30, False
            while not found and time.monotonic() < deadline:
                found = connection.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'repeated'"
                ).fetchall() == [(1,)]
                time.sleep(0.01)
            during.append((_threads(connection), found))
            return []

        return resolve

    after: list[int] = []
    report = _import_on_three_threads(tmp_path, resolving, after)
    assert during == [(1, True)]
    assert after == [3]
    assert (report.read, report.written, report.already_stored) == (12, 11, 1)
    assert list(report.seconds)[:4] == ["read_and_check", "known_events", "identity", "repeats"]


def _failing_identity(connection: duckdb.DuckDBPyConnection) -> IdentityResolver:
    def resolve(calls: list[IdentityCall]) -> list[RejectedEvent]:
        raise RuntimeError("the database went away")

    return resolve


def test_a_failing_identity_leaves_duckdb_on_its_configured_threads(tmp_path: Path) -> None:
    after: list[int] = []
    with pytest.raises(RuntimeError, match="went away"):
        _import_on_three_threads(tmp_path, _failing_identity, after)
    assert after == [3]
    assert event_files(tmp_path / "data", WORKSPACE) == []


def test_a_failing_identity_stops_the_repeats_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan beside identity is interrupted, not waited for, when identity fails — here
    before the scan's query starts (DuckDB forgets an interrupt that comes before its query),
    and the scan would run for minutes."""
    outcomes: list[str] = []

    def endless_scan(cursor: duckdb.DuckDBPyConnection) -> None:
        time.sleep(0.2)  # identity fails meanwhile
        try:
            cursor.execute("SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3")
            outcomes.append("finished")
        except duckdb.InterruptException:
            outcomes.append("interrupted")

    monkeypatch.setattr(bulk_import, "_find_repeats", endless_scan)

    with pytest.raises(RuntimeError, match="went away"):
        _import_on_three_threads(tmp_path, _failing_identity, [])
    assert outcomes == ["interrupted"]


@pytest.mark.parametrize("memory_limit", [None, "1GB"])
def test_the_import_keeps_freed_blocks_up_to_its_memory_limit(
    tmp_path: Path, memory_limit: str | None
) -> None:
    """The import's DuckDB keeps freed blocks (not DuckDB's default) up to the memory limit,
    the default one or the one given."""

    def setting(connection: duckdb.DuckDBPyConnection, name: str) -> str:
        return str(connection.execute(f"SELECT current_setting('{name}')").fetchall()[0][0])

    with duckdb.connect() as plain:
        listed = "SELECT count(*) FROM duckdb_settings() WHERE name = 'block_allocator_memory'"
        if plain.execute(listed).fetchall() != [(1,)]:
            pytest.skip(f"DuckDB {duckdb.__version__} has no block allocator setting")
        assert setting(plain, "block_allocator_memory") == "0 bytes"  # DuckDB's default
    with connect(temp_dir=tmp_path / "tmp", memory_limit=memory_limit) as connection:
        limit = setting(connection, "memory_limit")
        kept = setting(connection, "block_allocator_memory")
    if memory_limit is not None:
        assert limit == "953.6 MiB"
    # DuckDB prints both rounded, and its own parse of the limit can end a digit lower.
    number, unit = kept.split()
    limit_number, limit_unit = limit.split()
    assert unit == limit_unit
    assert math.isclose(float(number), float(limit_number), rel_tol=0.01)
