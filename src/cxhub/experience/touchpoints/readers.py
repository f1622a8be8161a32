"""Import files as rows: CSV (a header row), JSON (an array of objects) or JSONL (one object a
line). A line that is not valid JSON becomes a row the intake rejects with its number, so one
broken line never hides the others."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMATS = ("csv", "json", "jsonl")


class Unreadable(dict[str, Any]):
    """A row that could not be parsed: the intake reports `reason` for its number."""


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"ndjson": "jsonl"}.get(suffix, suffix if suffix in FORMATS else "csv")


def read_rows(text: str, *, fmt: str) -> Iterator[dict[str, Any]]:
    if fmt == "csv":
        yield from csv.DictReader(io.StringIO(text))
        return
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Unreadable(reason=f"not valid JSON: {exc.msg} at line {exc.lineno}")
            return
        items = data if isinstance(data, list) else [data]
        for item in items:
            yield item if isinstance(item, dict) else Unreadable(reason="not a JSON object")
        return
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Unreadable(reason=f"not valid JSON: {exc.msg}")
            continue
        yield item if isinstance(item, dict) else Unreadable(reason="not a JSON object")
