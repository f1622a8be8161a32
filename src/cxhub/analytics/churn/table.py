"""A customer table without pandas: ordered columns of plain Python values.

Input may be a CSV file, a mapping of column name to values, a list of row dicts (what a
database query returns) or anything DataFrame-like (`.columns` and `frame[name].tolist()`), so
the pipeline works the same on an uploaded file and, later, on account features read from the
database.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxhub.analytics.churn.errors import ChurnInputError


@dataclass(frozen=True)
class CustomerTable:
    """Column name → one value per customer row (str, number, bool, date or None)."""

    columns: dict[str, list[Any]]

    def __post_init__(self) -> None:
        lengths = {len(values) for values in self.columns.values()}
        if len(lengths) > 1:
            raise ChurnInputError("every column must have the same number of rows")

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @property
    def row_count(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def column(self, name: str) -> list[Any]:
        if name not in self.columns:
            raise ChurnInputError(
                f"column {name!r} not found; the table has {', '.join(self.names)}"
            )
        return self.columns[name]

    def without(self, name: str) -> CustomerTable:
        return CustomerTable({k: v for k, v in self.columns.items() if k != name})

    def take(self, rows: Sequence[int]) -> CustomerTable:
        return CustomerTable({k: [v[i] for i in rows] for k, v in self.columns.items()})


def read_csv(path: Path | str) -> CustomerTable:
    """Read a CSV file with a header row; every cell stays text (types are inferred later)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(65536)
            handle.seek(0)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(handle, dialect)
            header = next(reader, None)
            if not header:
                raise ChurnInputError(f"{path} is empty; expected a CSV file with a header row")
            names = [name.strip() for name in header]
            if len(set(names)) != len(names):
                raise ChurnInputError(f"{path} has duplicate column names")
            columns: dict[str, list[Any]] = {name: [] for name in names}
            for line_number, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(names):
                    raise ChurnInputError(
                        f"{path} line {line_number} has {len(row)} fields, the header {len(names)}"
                    )
                for name, value in zip(names, row, strict=True):
                    columns[name].append(value)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ChurnInputError(f"cannot read {path} as a UTF-8 CSV file: {exc}") from None
    except IsADirectoryError:
        raise ChurnInputError(f"{path} is a directory, not a CSV file") from None
    except FileNotFoundError:
        raise ChurnInputError(f"file not found: {path}") from None
    return CustomerTable(columns)


def as_table(data: Any) -> CustomerTable:
    """Accept a `CustomerTable`, a column mapping, a list of row dicts or a DataFrame-like."""
    if isinstance(data, CustomerTable):
        return data
    if isinstance(data, Mapping):
        return CustomerTable({str(k): list(v) for k, v in data.items()})
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, list):
        return CustomerTable({str(k): list(data[k].tolist()) for k in data.columns})
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        rows = list(data)
        names: list[str] = []
        for row in rows:
            if not isinstance(row, Mapping):
                raise ChurnInputError("a list of rows must hold one mapping per customer")
            names.extend(str(k) for k in row if str(k) not in names)
        return CustomerTable({name: [row.get(name) for row in rows] for name in names})
    raise ChurnInputError(f"cannot read a customer table from {type(data).__name__}")
