"""Bulk import of Segment-shaped usage events from files into the Parquet event store, set-wise
in DuckDB (`cxhub import events`, docs/tracking.md "Importing event files").

1. **Read and check** (one statement): `read_json` / `read_csv` / `read_parquet` over all files
   into one DuckDB table, each row checked with the tracking API's rules (`validation.py`)
   written as SQL; `reason` is NULL for a valid row. An unreadable NDJSON line becomes a row of
   NULLs and is rejected as such, so a bad line never loses the good ones.
2. **Known events**: the messageIds already stored on the import's event days (the store's
   files of those days and the inbox) are not written again, nor is a messageId repeated in the
   files (one copy is kept): re-running an import adds nothing.
3. **Identity** (`import_identity.py`, the caller's part): the new identify/group calls, latest
   per userId / groupId, go through the customers import in batches, not call by call.
4. **Write**: the new valid rows, less the calls identity refused, are written with
   `COPY … (FORMAT PARQUET, PARTITION_BY (day))` into a staging folder next to the store, each
   file fsynced and renamed into its `day=<date>/import-<run>-<n>.parquet` place (ADR 0015):
   a file is there whole or not at all, and a run stopped half-way is completed by running it
   again.

No database access here: the caller passes the inbox's messageIds and the identity outcome.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID
from cxhub.success.usage.storage import (
    day_dir,
    event_files,
    events_root,
    import_file_name,
    sql_literal,
)
from cxhub.success.usage.validation import (
    EVENT_TYPES,
    MAX_EVENT_BYTES,
    MAX_EVENT_NAME_CHARS,
    MAX_ID_CHARS,
    MAX_MESSAGE_ID_CHARS,
    RESERVED_USER_ID,
    SCALAR_ALLOWANCE,
)


class EventFileFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"
    PARQUET = "parquet"


_SUFFIXES = {
    ".ndjson": EventFileFormat.NDJSON,
    ".jsonl": EventFileFormat.NDJSON,
    ".json": EventFileFormat.NDJSON,
    ".csv": EventFileFormat.CSV,
    ".parquet": EventFileFormat.PARQUET,
}

# The Segment fields read from each record; anything else in a record is ignored (as the API does).
TEXT_FIELDS = (
    "type",
    "messageId",
    "userId",
    "anonymousId",
    "event",
    "name",
    "groupId",
    "previousId",
    "timestamp",
    "originalTimestamp",
)
OBJECT_FIELDS = ("properties", "traits", "context")
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId")
REJECTS_SHOWN = 20


class EventImportError(ValueError):
    """A usage error: a missing file, an unknown format, files of different formats."""


def file_format(paths: Sequence[Path], chosen: str | None) -> EventFileFormat:
    """The format of the files: `chosen`, else from their (common) extension."""
    if chosen is not None:
        try:
            return EventFileFormat(chosen.lower())
        except ValueError:
            raise EventImportError(
                f"--format must be one of {', '.join(f.value for f in EventFileFormat)}"
            ) from None
    found = {_SUFFIXES.get(p.suffix.lower()) for p in paths}
    if None in found or len(found) != 1:
        raise EventImportError(
            "cannot tell the format from the file names; use --format ndjson|csv|parquet "
            "(all files of one import share a format)"
        )
    return found.pop()  # type: ignore[return-value]


def _listing(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(sql_literal(p) for p in paths) + "]"


def _reader(
    connection: duckdb.DuckDBPyConnection, paths: Sequence[Path], kind: EventFileFormat
) -> tuple[str, dict[str, str]]:
    """The table function reading the files, and the source type of each Segment field in it."""
    files = _listing(paths)
    if kind is EventFileFormat.NDJSON:
        columns = dict.fromkeys(TEXT_FIELDS, "VARCHAR") | dict.fromkeys(OBJECT_FIELDS, "JSON")
        spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
        reader = (
            f"read_json({files}, format = 'newline_delimited', ignore_errors = true, "
            f"filename = true, columns = {spec})"
        )
        return reader, columns | {"filename": "VARCHAR"}
    if kind is EventFileFormat.CSV:
        reader = (
            f"read_csv({files}, header = true, all_varchar = true, union_by_name = true, "
            "filename = true)"
        )
    else:
        reader = f"read_parquet({files}, union_by_name = true, filename = true)"
    described = connection.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()  # noqa: S608
    return reader, {str(row[0]): str(row[1]) for row in described}


def _nested(type_name: str) -> bool:
    return type_name.startswith(("STRUCT", "MAP")) or type_name.endswith("]")


def _text_expression(name: str, types: dict[str, str]) -> str:
    source = types.get(name)
    if source is None:
        return "NULL::VARCHAR"
    column = f'"{name}"'
    if _nested(source):
        return f"to_json({column})::VARCHAR"
    return f"nullif(CAST({column} AS VARCHAR), '')"


def _object_expression(name: str, types: dict[str, str]) -> str:
    """The field as JSON text (NULL when absent or JSON null); validity is checked later."""
    source = types.get(name)
    if source is None:
        return "NULL::VARCHAR"
    column = f'"{name}"'
    if source == "JSON":
        # read_json hands a JSON member over as minified text (JSON null as SQL NULL), so its
        # first character tells its type: json_type here cost a fifth of the reading.
        return f"CAST({column} AS VARCHAR)"
    if _nested(source):
        return f"to_json({column})::VARCHAR"
    return f"nullif(CAST({column} AS VARCHAR), '')"


def _is_object(expression: str, *, already_json: bool) -> str:
    if already_json:
        return f"starts_with({expression}, '{{')"
    # CASE, not AND: DuckDB evaluates both sides of AND, and json_type fails on invalid JSON.
    return f"(CASE WHEN json_valid({expression}) THEN json_type({expression}) = 'OBJECT' ELSE false END)"


def _nested_id(column: str) -> str:
    return f"(left({column}, 1) IN ('{{', '[') AND json_valid({column}))"


def _reason_rules(all_null: str, payload_object: str, context_object: str) -> list[tuple[str, str]]:
    """(broken when, reason) of each rule `validation.py` applies, in its order."""
    kinds = ", ".join(f"'{k}'" for k in sorted(EVENT_TYPES))
    placeholder = f"'{PLACEHOLDER_EXTERNAL_ID}'"
    rules = [
        (all_null, "'the record is not a readable JSON object'"),
        (
            f"type IS NULL OR type NOT IN ({kinds})",
            f"'type must be one of {', '.join(sorted(EVENT_TYPES))}'",
        ),
        (
            f"length(messageId) > {MAX_MESSAGE_ID_CHARS}",
            f"'messageId must be a string of at most {MAX_MESSAGE_ID_CHARS} chars'",
        ),
    ]
    for name in ID_FIELDS:
        rules.append((_nested_id(name), f"'{name} must be a string'"))
        rules.append(
            (
                f"length({name}) > {MAX_ID_CHARS}",
                f"'{name} is longer than {MAX_ID_CHARS} characters'",
            )
        )
    rules += [
        (
            f"trim(userId) = {placeholder} "
            f"OR (type = 'alias' AND trim(previousId) = {placeholder})",
            f"'{RESERVED_USER_ID}'",
        ),
        ("userId IS NULL AND anonymousId IS NULL", "'userId or anonymousId is required'"),
        ("type = 'track' AND (event IS NULL OR trim(event) = '')", "'track needs an event name'"),
        (
            f"type = 'track' AND length(event) > {MAX_EVENT_NAME_CHARS}",
            f"'event is longer than {MAX_EVENT_NAME_CHARS} characters'",
        ),
        (
            f"type IN ('page', 'screen') AND length(name) > {MAX_EVENT_NAME_CHARS}",
            f"'name must be a string of at most {MAX_EVENT_NAME_CHARS} chars'",
        ),
        ("type = 'group' AND groupId IS NULL", "'group needs a groupId'"),
        (
            "type = 'alias' AND (previousId IS NULL OR userId IS NULL)",
            "'alias needs a previousId and a userId'",
        ),
        (
            f"payload IS NOT NULL AND NOT {payload_object}",
            "CASE WHEN type IN ('identify', 'group') THEN 'traits must be an object' "
            "ELSE 'properties must be an object' END",
        ),
        (f"context IS NOT NULL AND NOT {context_object}", "'context must be an object'"),
        (
            "strlen(coalesce(payload, '')) + strlen(coalesce(context, '')) "
            f"+ {SCALAR_ALLOWANCE} > {MAX_EVENT_BYTES}",
            f"'the event is larger than {MAX_EVENT_BYTES // 1024} KB'",
        ),
        (
            "timestamp IS NOT NULL AND parsed_timestamp IS NULL",
            "'timestamp is not an ISO-8601 date-time'",
        ),
        (
            "originalTimestamp IS NOT NULL AND parsed_original IS NULL",
            "'originalTimestamp is not an ISO-8601 date-time'",
        ),
    ]
    return rules


def _check_sql(reader: str, types: dict[str, str], received_at: datetime) -> str:
    """The read-and-check statement: one row per record with the inbox columns and `reason`."""
    json_objects = all(types.get(n) == "JSON" for n in OBJECT_FIELDS)
    texts = ", ".join(f"{_text_expression(n, types)} AS {n}" for n in TEXT_FIELDS)
    objects = ", ".join(f"{_object_expression(n, types)} AS {n}" for n in OBJECT_FIELDS)
    filename = "filename" if "filename" in types else "NULL::VARCHAR AS filename"
    received = received_at.astimezone(UTC).replace(tzinfo=None).isoformat()
    not_object = _is_object("payload", already_json=json_objects)
    context_object = _is_object("context", already_json=json_objects)
    all_null = " AND ".join(f"{n} IS NULL" for n in (*TEXT_FIELDS, *OBJECT_FIELDS))
    content_id = (
        "'cxhub-' || left(sha256(concat_ws(chr(31), type, userId, anonymousId, event, name, "
        "groupId, previousId, timestamp, originalTimestamp, properties, traits, context)), 40)"
    )
    rules = _reason_rules(all_null, not_object, context_object)
    reason = "CASE " + " ".join(f"WHEN {when} THEN {why}" for when, why in rules) + " END"
    return f"""
        WITH source AS (SELECT {filename}, {texts}, {objects} FROM {reader}),
        parsed AS (
            SELECT *,
                try_cast(timestamp AS TIMESTAMPTZ) AS parsed_timestamp,
                try_cast(originalTimestamp AS TIMESTAMPTZ) AS parsed_original,
                CASE WHEN type IN ('identify', 'group') THEN traits ELSE properties END
                    AS payload
            FROM source
        )
        SELECT
            filename,
            CASE WHEN NOT ({all_null}) THEN coalesce(messageId, {content_id}) END AS message_id,
            type,
            CASE WHEN type = 'track' THEN event WHEN type IN ('page', 'screen') THEN name END
                AS event,
            userId AS user_id,
            anonymousId AS anonymous_id,
            CASE WHEN type = 'group' THEN groupId END AS group_id,
            CAST(coalesce(parsed_timestamp, parsed_original, TIMESTAMPTZ '{received}+00')
                AS TIMESTAMP) AS timestamp,
            TIMESTAMP '{received}' AS received_at,
            CASE WHEN type = 'alias' THEN json_object('previousId', previousId)::VARCHAR
                ELSE coalesce(payload, '{{}}') END AS properties,
            coalesce(context, '{{}}') AS context,
            {reason} AS reason
        FROM parsed
    """  # noqa: S608 - paths through sql_literal, the rest is built from constants here


@dataclass(frozen=True)
class RejectedEvent:
    file: str | None
    message_id: str | None
    reason: str


@dataclass
class EventImportReport:
    """What an import did. `read` = records read; `rejected` = refused by the checks or by
    identity resolution; `already_stored` = valid but already in the store (or repeated in the
    files); `written` = new events now in the store."""

    read: int = 0
    rejected: int = 0
    already_stored: int = 0
    written: int = 0
    identify_calls: int = 0
    group_calls: int = 0
    files: list[Path] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    rejects_file: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityCall:
    message_id: str
    type: str
    user_id: str | None
    group_id: str | None
    traits: str
    context: str
    timestamp: datetime


IdentityResolver = Callable[[list[IdentityCall]], list[RejectedEvent]]
KnownIds = Callable[[datetime, datetime], list[str]]


def connect(*, temp_dir: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one import; it spills to `temp_dir` past `memory_limit`."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute(f"SET temp_directory = {sql_literal(temp_dir)}")
    if memory_limit:
        connection.execute("SET memory_limit = ?", [memory_limit])
    return connection


def _one(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The single row of `sql`, its result consumed (DuckDB refuses new work before that)."""
    rows = connection.execute(sql).fetchall()
    return tuple(rows[0])


def _stored_days(connection: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    row = _one(
        connection,
        "SELECT min(timestamp)::DATE, max(timestamp)::DATE FROM checked WHERE reason IS NULL",
    )
    if row[0] is None:
        return None
    return row[0], row[1]


def _register_known(
    connection: duckdb.DuckDBPyConnection,
    *,
    data_dir: Path,
    workspace_id: int,
    days: tuple[date, date] | None,
    inbox_ids: KnownIds,
) -> None:
    """`known`: messageIds already stored on the import's event days (files and inbox)."""
    inbox: list[str] = []
    files = []
    if days is not None:
        files = event_files(data_dir, workspace_id, start=days[0], end=days[1])
        start = datetime.combine(days[0], datetime.min.time(), UTC)
        inbox = inbox_ids(start, start + timedelta(days=(days[1] - days[0]).days + 1))
    connection.register("inbox_ids", {"message_id": np.array(inbox or [""], dtype=object)})
    sources = ["SELECT message_id FROM inbox_ids"]
    if files:
        listing = _listing([f.path for f in files])  # paths through sql_literal
        sources.append(f"SELECT message_id FROM read_parquet({listing})")  # noqa: S608
    connection.execute(f"CREATE OR REPLACE TEMP TABLE known AS {' UNION ALL '.join(sources)}")


def _fsync_and_move(staging: Path, target_for: Callable[[date, int], Path]) -> list[Path]:
    moved: list[Path] = []
    for part, path in enumerate(sorted(staging.glob("day=*/*.parquet"))):
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
        target = target_for(day, part)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


def _write_rejects(connection: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Every refused record (file, messageId, type, userId, reason) as NDJSON."""
    temporary = target.with_name(target.name + ".part")
    connection.execute(
        "COPY (SELECT filename AS file, message_id AS messageId, type, user_id AS userId, "  # noqa: S608
        "reason FROM rejects ORDER BY file, messageId) "
        f"TO {sql_literal(temporary)} (FORMAT JSON)"
    )
    os.replace(temporary, target)


# ZSTD level 1, not 3: a seventh less CPU for the import's write, files 4 % larger (10M events).
_WRITE_OPTIONS = "FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, PARTITION_BY (day)"
_STORED_COLUMNS = (
    "NULL::BIGINT AS id, message_id, type, event, user_id, anonymous_id, group_id, timestamp, "
    "received_at, properties, context, CAST(timestamp AS DATE) AS day"
)


def _new_events(*, skip: bool, repeats: bool) -> str:
    """The valid rows not stored yet, one per messageId. Only the (few) repeated messageIds go
    through DISTINCT ON: de-duplicating every row costs three times the rest of the write. A
    join whose other side is empty (a first import) is left out: each costs a pass over the
    rows, 4 of the write's 22 CPU seconds at 10M events."""
    unskipped = " ANTI JOIN skipped USING (message_id)" if skip else ""
    if not repeats:
        return f"SELECT {_STORED_COLUMNS} FROM checked{unskipped} WHERE reason IS NULL"  # noqa: S608
    return (  # constants only
        f"SELECT {_STORED_COLUMNS} FROM checked{unskipped} "  # noqa: S608
        "ANTI JOIN repeated USING (message_id) WHERE reason IS NULL "
        f"UNION ALL SELECT DISTINCT ON (message_id) {_STORED_COLUMNS} FROM checked "
        f"SEMI JOIN repeated USING (message_id){unskipped} WHERE reason IS NULL"
    )


def _register_refused(connection: duckdb.DuckDBPyConnection, refused: list[RejectedEvent]) -> None:
    """`rejects` (the checks' and identity's refusals); identity's are `skipped` too."""
    connection.register(
        "identity_refused",
        {
            "message_id": np.array([r.message_id for r in refused] or [""], dtype=object),
            "reason": np.array([r.reason for r in refused] or [""], dtype=object),
        },
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE rejects AS "
        "SELECT filename, message_id, type, user_id, reason FROM checked "
        "WHERE reason IS NOT NULL UNION ALL "
        "SELECT c.filename, c.message_id, c.type, c.user_id, r.reason FROM checked c "
        "JOIN identity_refused r USING (message_id) WHERE c.reason IS NULL AND r.reason <> ''"
    )
    connection.execute(
        "INSERT INTO skipped SELECT message_id FROM identity_refused WHERE reason <> ''"
    )


def import_event_files(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    kind: EventFileFormat,
    workspace_id: int,
    data_dir: Path,
    inbox_ids: KnownIds,
    resolve_identity: IdentityResolver,
    rejects_file: Path | None = None,
    received_at: datetime | None = None,
    clock: Callable[[], float] | None = None,
) -> EventImportReport:
    """Import `paths` into the workspace's event store (steps in the module docstring)."""
    import time

    tick = clock or time.perf_counter
    report = EventImportReport()
    moment = received_at or datetime.now(UTC)
    started = tick()
    reader, types = _reader(connection, paths, kind)
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE checked AS {_check_sql(reader, types, moment)}"
    )
    report.seconds["read_and_check"] = tick() - started

    mark = tick()
    _register_known(
        connection,
        data_dir=data_dir,
        workspace_id=workspace_id,
        days=_stored_days(connection),
        inbox_ids=inbox_ids,
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE identity_calls AS SELECT message_id, type, user_id, "
        "group_id, properties, context, timestamp FROM checked "
        "WHERE reason IS NULL AND type IN ('identify', 'group') "
        "AND message_id NOT IN (SELECT message_id FROM known WHERE message_id IS NOT NULL)"
    )
    calls = [
        IdentityCall(*row)
        for row in connection.execute(
            "SELECT DISTINCT ON (message_id) * FROM identity_calls ORDER BY timestamp"
        ).fetchall()
    ]
    report.seconds["known_events"] = tick() - mark

    report.identify_calls = sum(1 for c in calls if c.type == "identify")
    report.group_calls = len(calls) - report.identify_calls
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE skipped AS SELECT message_id FROM known "
        "WHERE message_id <> ''"  # not the placeholder of an empty inbox
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE repeated AS SELECT message_id FROM checked "
        "WHERE reason IS NULL GROUP BY message_id HAVING count(*) > 1"
    )
    mark = tick()
    refused = resolve_identity(calls) if calls else []
    report.seconds["identity"] = tick() - mark

    # Identity runs before the write, not beside it: beside DuckDB's threads it was starved of
    # CPU while holding SQLite's write lock, and agents' writes waited a second behind it.
    mark = tick()
    _register_refused(connection, refused)
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
    root = events_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".import-{run}"
    try:
        skip, repeats = _one(
            connection,
            "SELECT EXISTS (SELECT 1 FROM skipped), EXISTS (SELECT 1 FROM repeated)",
        )
        new_events = _new_events(skip=bool(skip), repeats=bool(repeats))
        written_row = _one(
            connection, f"COPY ({new_events}) TO {sql_literal(staging)} ({_WRITE_OPTIONS})"
        )
        report.written = int(written_row[0])
        report.files = _fsync_and_move(
            staging,
            lambda day, part: day_dir(data_dir, workspace_id, day) / import_file_name(run, part),
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds["write"] = tick() - mark

    counts = _one(
        connection, "SELECT (SELECT count(*) FROM checked), (SELECT count(*) FROM rejects)"
    )
    report.read, report.rejected = int(counts[0]), int(counts[1])
    report.already_stored = report.read - report.rejected - report.written
    report.reasons = {
        str(reason): int(n)
        for reason, n in connection.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY 2 DESC, 1"
        ).fetchall()
    }
    if rejects_file is not None and report.rejected:
        _write_rejects(connection, rejects_file)
        report.rejects_file = rejects_file
    report.seconds["total"] = tick() - started
    return report


def first_rejects(connection: duckdb.DuckDBPyConnection, limit: int = REJECTS_SHOWN) -> list[Any]:
    """A few refused records, for the command's summary."""
    return connection.execute(
        "SELECT filename, message_id, reason FROM rejects ORDER BY filename, message_id LIMIT ?",
        [limit],
    ).fetchall()
