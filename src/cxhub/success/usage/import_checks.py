"""Reading the import's files and checking each record (`bulk_import.py` step 1): the table
function over the files, and the tracking API's rules (`validation.py`) written as one SQL
statement whose `reason` is NULL for a valid row, so that the import refuses exactly what
`POST /v1/track` and friends would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID
from cxhub.success.usage.storage import sql_list
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


def reader(
    connection: duckdb.DuckDBPyConnection, paths: Sequence[Path], kind: EventFileFormat
) -> tuple[str, dict[str, str]]:
    """The table function reading the files, and the source type of each Segment field in it."""
    files = sql_list(paths)
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


TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp")


def _typed_time(source: str) -> bool:
    return source.startswith("TIMESTAMP") or source == "DATE"


def _text_expression(name: str, types: dict[str, str]) -> str:
    source = types.get(name)
    if source is None:
        return "NULL::VARCHAR"
    column = f'"{name}"'
    if name in TIMESTAMP_FIELDS and _typed_time(source):
        # Kept typed: only a content id (a record without messageId) needs its text, and
        # concat_ws makes the same text as a cast would.
        return column
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


def _object_test(source: str | None, expression: str) -> str:
    """When `expression` (a field as `_object_expression` made it, from a source column of type
    `source`) is a JSON object. A STRUCT or MAP always is one: no JSON to parse (at 10M Parquet
    events, judging their `to_json` text cost more than reading the file); read_json's JSON
    text is judged by its first character; anything else by parsing it."""
    if source is None:
        return "false"
    if source.startswith(("STRUCT", "MAP")):
        return "true"
    if source == "JSON":
        return f"starts_with({expression}, '{{')"
    # CASE, not AND: DuckDB evaluates both sides of AND, and json_type fails on invalid JSON.
    return (
        f"(CASE WHEN json_valid({expression}) THEN json_type({expression}) = 'OBJECT' "
        "ELSE false END)"
    )


def _payload_test(types: dict[str, str]) -> str:
    """When `payload` (traits for identify/group, else properties) is a JSON object."""
    traits, properties = types.get("traits"), types.get("properties")
    same = _object_test(traits, "payload")
    if same == _object_test(properties, "payload"):
        return same
    return (
        f"(CASE WHEN type IN ('identify', 'group') THEN {_object_test(traits, 'traits')} "
        f"ELSE {_object_test(properties, 'properties')} END)"
    )


def _parsed_timestamp(name: str, types: dict[str, str]) -> str:
    """The field (as the `source` step projects it) as TIMESTAMPTZ, NULL when it is not a
    date-time. A Parquet timestamp or date column is cast, not parsed from its text (which cost
    a second per 10M events)."""
    if _typed_time(types.get(name, "")):
        return f"CAST({name} AS TIMESTAMPTZ)"
    return f"try_cast({name} AS TIMESTAMPTZ)"


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


# The file a row came from is kept where a refusal may name it: a record the checks refuse, an
# identify or group call (identity may refuse it). Every other row's copy of the path cost about
# 45 bytes (425 MB at 10M events, a seventh of the table) and 0.15 s of the reading.
_KEPT_FILENAME = "CASE WHEN reason IS NOT NULL OR type IN ('identify', 'group') THEN filename END"


def check_sql(reader: str, types: dict[str, str], received_at: datetime) -> str:
    """The read-and-check statement: one row per record with the inbox columns and `reason`;
    `filename` only on the rows a refusal may name (`_KEPT_FILENAME`)."""
    texts = ", ".join(f"{_text_expression(n, types)} AS {n}" for n in TEXT_FIELDS)
    objects = ", ".join(f"{_object_expression(n, types)} AS {n}" for n in OBJECT_FIELDS)
    filename = "filename" if "filename" in types else "NULL::VARCHAR AS filename"
    received = received_at.astimezone(UTC).replace(tzinfo=None).isoformat()
    all_null = " AND ".join(f"{n} IS NULL" for n in (*TEXT_FIELDS, *OBJECT_FIELDS))
    content_id = (
        "'cxhub-' || left(sha256(concat_ws(chr(31), type, userId, anonymousId, event, name, "
        "groupId, previousId, timestamp, originalTimestamp, properties, traits, context)), 40)"
    )
    rules = _reason_rules(
        all_null, _payload_test(types), _object_test(types.get("context"), "context")
    )
    reason = "CASE " + " ".join(f"WHEN {when} THEN {why}" for when, why in rules) + " END"
    return f"""
        WITH source AS (SELECT {filename}, {texts}, {objects} FROM {reader}),
        parsed AS (
            SELECT *,
                {_parsed_timestamp("timestamp", types)} AS parsed_timestamp,
                {_parsed_timestamp("originalTimestamp", types)} AS parsed_original,
                CASE WHEN type IN ('identify', 'group') THEN traits ELSE properties END
                    AS payload
            FROM source
        ),
        judged AS (
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
        )
        SELECT * REPLACE ({_KEPT_FILENAME} AS filename) FROM judged
    """  # noqa: S608 - paths through sql_literal, the rest is built from constants here
