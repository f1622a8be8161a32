"""Reading texts (and optional labels) from a user's file for `cxhub text analyze|evaluate`:
CSV with a header, JSON Lines, or plain text (one text per line), chosen by extension."""

from __future__ import annotations

import csv
import json
from pathlib import Path


class TextFileError(ValueError):
    """The file cannot be read as texts (missing column, bad JSON, unknown label)."""


def read_rows(
    path: Path, *, text_column: str, label_column: str | None = None
) -> list[tuple[str, str | None]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        elif suffix in (".jsonl", ".ndjson"):
            rows = [
                json.loads(line)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
        else:
            if label_column is not None:
                raise TextFileError("labels need a CSV or JSONL file")
            return [
                (line, None)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TextFileError(f"cannot read {path}: {exc}") from exc
    answers: list[tuple[str, str | None]] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or text_column not in row:
            raise TextFileError(f"row {number} has no column {text_column!r}")
        label = None
        if label_column is not None:
            if label_column not in row:
                raise TextFileError(f"row {number} has no column {label_column!r}")
            label = str(row[label_column]).strip()
        answers.append((str(row[text_column] or ""), label))
    return answers


def parse_label_map(spec: str | None) -> dict[str, str]:
    """`neg=0,neu=1,pos=2` -> {"0": "negative", "1": "neutral", "2": "positive"}."""
    names = {"neg": "negative", "neu": "neutral", "pos": "positive"}
    if not spec:
        return {name: name for name in names.values()} | dict(names)
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        if key.strip() not in names or not value.strip():
            raise TextFileError(f"bad --map entry {part!r}: use neg=VALUE,neu=VALUE,pos=VALUE")
        mapping[value.strip()] = names[key.strip()]
    return mapping
