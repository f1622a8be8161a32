"""Streaming readers for CSV and JSON Lines, tolerant of what spreadsheets and warehouses emit.

Rows are never loaded all at once: a file of millions of rows is read with constant memory.
Every row carries its number as a person would find it in the file (CSV: the header is row 1, so
the first data row is row 2, as in a spreadsheet; JSON Lines: the line number), because the
error report must let someone fix the file by hand.

Encoding: a UTF-8 or UTF-16 byte-order mark wins; otherwise the first MiB is tried as UTF-8 and,
when that fails, Windows-1252 (what Excel writes on Western-European Windows) and finally
Latin-1, which never fails. The delimiter is sniffed among `, ; TAB |` from the header line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

SAMPLE_BYTES = 1 << 20
DELIMITERS = ",;\t|"
# csv's default 128 KiB field limit is hit by real exports with long notes; 16 MiB is still sane.
csv.field_size_limit(16 << 20)


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class ReadError(Exception):
    """The file as a whole cannot be read (missing, not decodable, no header)."""


@dataclass
class SourceRow:
    """One row of the input: its number in the file, its values by column, or why it is unreadable."""

    number: int
    values: dict[str, Any]
    error: str | None = None


@dataclass
class SourceFile:
    """An open input file; iterate `rows()`; `position` is the byte offset read so far."""

    path: Path
    format: FileFormat
    encoding: str
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    _raw: IO[bytes] | None = None
    # Set when another process reads the file (tasks' pipeline): how far that reader has got.
    read_position: int | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def position(self) -> int:
        if self.read_position is not None:
            return self.read_position
        return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size

    def rows(self) -> SourceRows:
        """The rows, streamed; the iterator remembers its file, so it can be read elsewhere."""
        return SourceRows(self)

    def read_rows(self) -> Iterator[SourceRow]:
        with self.path.open("rb") as raw:
            self._raw = raw
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            try:
                if self.format is FileFormat.CSV:
                    yield from self._csv_rows(text)
                else:
                    yield from self._jsonl_rows(text)
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{self.path} is not valid {self.encoding} near byte {raw.tell()}: {exc.reason}"
                    " (rows before it were read; pass --encoding)"
                ) from None
            finally:
                text.detach()

    def _csv_rows(self, text: IO[str]) -> Iterator[SourceRow]:
        reader = csv.reader(text, delimiter=self.delimiter or ",")
        try:
            header = next(reader)
        except StopIteration:
            return
        width = len(header)
        number = 1
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield SourceRow(number, {}, f"unreadable CSV row: {exc}")
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                continue  # blank line
            if len(cells) != width:
                values = dict(zip(header, cells, strict=False))
                yield SourceRow(
                    number, values, f"row has {len(cells)} fields, the header has {width}"
                )
                continue
            yield SourceRow(number, dict(zip(header, cells, strict=True)))

    def _jsonl_rows(self, text: IO[str]) -> Iterator[SourceRow]:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield SourceRow(number, {"line": line.rstrip("\r\n")}, f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(number, {"line": line.rstrip("\r\n")}, "line is not a JSON object")
                continue
            yield SourceRow(number, value)


class SourceRows(Iterator[SourceRow]):
    """`SourceFile.rows()`: an iterator that, until its first row is taken, can hand its file to
    another process instead (`tasks.run_import` reads and validates there while it writes)."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self._rows: Iterator[SourceRow] | None = None

    @property
    def started(self) -> bool:
        return self._rows is not None

    def __next__(self) -> SourceRow:
        if self._rows is None:
            self._rows = self.source.read_rows()
        return next(self._rows)

    def close(self) -> None:
        """Stop reading (closes the file); a closed iterator is exhausted."""
        if self._rows is None:
            self._rows = iter(())
        elif isinstance(self._rows, Generator):
            self._rows.close()


def format_from_path(path: Path) -> FileFormat | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in {".csv", ".tsv", ".txt"}:
        return FileFormat.CSV
    if suffixes and suffixes[-1] in {".jsonl", ".ndjson", ".json"}:
        return FileFormat.JSONL
    return None


def detect_encoding(sample: bytes, *, truncated: bool = False) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            # A multi-byte character may be cut at the end of a partial sample: drop 3 bytes.
            (sample[:-3] if truncated else sample).decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter occurring most often in the header line (a comma on ties)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def open_source(
    path: Path,
    file_format: FileFormat | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceFile:
    """Inspect `path` (format, encoding, delimiter, header) without reading it all."""
    if not path.exists():
        raise ReadError(f"file not found: {path}")
    if not path.is_file():
        raise ReadError(f"not a file: {path}")
    chosen = file_format or format_from_path(path)
    if chosen is None:
        raise ReadError(f"cannot tell the format of {path.name}; pass --format csv or jsonl")
    try:
        with path.open("rb") as raw:
            sample = raw.read(SAMPLE_BYTES)
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror}") from None
    active_encoding = encoding or detect_encoding(sample, truncated=len(sample) == SAMPLE_BYTES)
    try:
        codecs.lookup(active_encoding)
    except LookupError:
        raise ReadError(f"unknown encoding {active_encoding!r}") from None
    source = SourceFile(path, chosen, active_encoding)
    if chosen is FileFormat.CSV:
        text = sample.decode(active_encoding, errors="replace")
        first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        if not first_line.strip():
            raise ReadError(f"{path} has no header row")
        if delimiter is not None and len(delimiter) != 1:
            raise ReadError(f"the delimiter must be one character, not {delimiter!r}")
        source.delimiter = delimiter or sniff_delimiter(first_line)
        source.columns = next(csv.reader([first_line], delimiter=source.delimiter))
        if len(set(source.columns)) != len(source.columns):
            dupes = sorted({c for c in source.columns if source.columns.count(c) > 1})
            raise ReadError(f"{path} repeats the column(s) {', '.join(map(repr, dupes))}")
    return source
