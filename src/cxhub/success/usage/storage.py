"""Where usage events live once compacted (ADR 0015): Parquet files partitioned by workspace and
event day, `<data_dir>/events/workspace_id=<id>/day=<YYYY-MM-DD>/<first id>-<last id>.parquet`
(written by compaction) or `import-<run>-<part>.parquet` (written by `cxhub import events`, rows
without an inbox id), plus the columns both the files and the inbox expose to analytics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

#: How every file of the store is written (compaction, `cxhub import events`, erasure): ZSTD at
#: level 1 and Parquet format version 2 (delta encodings). Against ZSTD level 3, version 1: the
#: import's write a quarter less CPU, files a sixth smaller, and reads 5–15 % faster (10M
#: events, docs/benchmarks.md); DuckDB, pyarrow and Spark 3.3+ read it.
PARQUET_OPTIONS = "FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, PARQUET_VERSION V2"

EVENT_COLUMNS = (
    "id",
    "message_id",
    "type",
    "event",
    "user_id",
    "anonymous_id",
    "group_id",
    "timestamp",
    "received_at",
    "properties",
    "context",
)
TIMESTAMP_COLUMNS = frozenset({"timestamp", "received_at"})

_FILE_NAME = re.compile(r"^(\d{12})-(\d{12})(?:~\d+)?\.parquet$")
_IMPORT_NAME = re.compile(r"^import-\d{8}T\d{6}-[0-9a-f]{8}-\d{4,}\.parquet$")
_DAY_DIR = re.compile(r"^day=(\d{4}-\d{2}-\d{2})$")


def events_root(data_dir: Path) -> Path:
    return data_dir / "events"


def workspace_dir(data_dir: Path, workspace_id: int) -> Path:
    return events_root(data_dir) / f"workspace_id={int(workspace_id)}"


def day_dir(data_dir: Path, workspace_id: int, day: date) -> Path:
    return workspace_dir(data_dir, workspace_id) / f"day={day.isoformat()}"


def file_name(first_id: int, last_id: int) -> str:
    return f"{first_id:012d}-{last_id:012d}.parquet"


def generation_name(name: str, generation: int) -> str:
    """`<first>-<last>~<n>.parquet`: a compaction file whose id range an earlier file already
    named (SQLite reuses the ids of an emptied inbox)."""
    stem = name.removesuffix(".parquet").split("~")[0]
    return f"{stem}~{generation}.parquet"


def import_file_name(run: str, part: int) -> str:
    """The name of one file of a bulk import run (`run` = `<UTC stamp>-<8 hex>`)."""
    return f"import-{run}-{part:04d}.parquet"


@dataclass(frozen=True)
class EventFile:
    """One Parquet file of the store; an imported file's rows have no inbox id (first_id and
    last_id are 0, so crash recovery, which matches inbox ids, never reads it)."""

    path: Path
    day: date
    first_id: int
    last_id: int


def event_files(
    data_dir: Path, workspace_id: int, *, start: date | None = None, end: date | None = None
) -> list[EventFile]:
    """The workspace's compacted files, optionally only days in [start, end]."""
    root = workspace_dir(data_dir, workspace_id)
    if not root.is_dir():
        return []
    found: list[EventFile] = []
    for folder in sorted(root.iterdir()):
        match = _DAY_DIR.match(folder.name)
        if match is None or not folder.is_dir():
            continue
        day = date.fromisoformat(match.group(1))
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        for path in sorted(folder.iterdir()):
            name = _FILE_NAME.match(path.name)
            if name is not None:
                found.append(EventFile(path, day, int(name.group(1)), int(name.group(2))))
            elif _IMPORT_NAME.match(path.name):
                found.append(EventFile(path, day, 0, 0))
    return found


def sql_literal(path: Path | str) -> str:
    """A file path or URI as a DuckDB string literal (DuckDB's COPY takes no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def sql_list(paths: Sequence[Path] | Sequence[str]) -> str:
    """File paths as a DuckDB list literal, for `read_parquet([...])` and friends."""
    return "[" + ", ".join(sql_literal(p) for p in paths) + "]"


def columns_to_arrays(
    rows: list[Any], columns: tuple[str, ...] | list[str]
) -> dict[str, np.ndarray[Any, Any]]:
    """Row tuples as one numpy array per column, the shape DuckDB scans without pandas or
    pyarrow; datetimes become naive UTC `datetime64[us]` (timestamp text read raw from SQLite
    stays text, cast by the query)."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for position, name in enumerate(columns):
        values = [row[position] for row in rows]
        if name in TIMESTAMP_COLUMNS and values and isinstance(values[0], str):
            arrays[name] = np.array(values, dtype=object)  # SQLite's text; DuckDB casts it
        elif name in TIMESTAMP_COLUMNS:
            arrays[name] = np.array(
                [v.replace(tzinfo=None) for v in values], dtype="datetime64[us]"
            )
        elif name == "id":
            arrays[name] = np.array(values, dtype=np.int64)
        else:
            arrays[name] = np.array(values, dtype=object)
    return arrays
