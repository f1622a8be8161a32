"""Column types inferred from the values, identifiers dropped, and each column encoded as one
numeric feature (so drivers are reported per original column).

The rules, in order, for every column other than the target:

1. **empty / constant**: no value, or one distinct value → dropped.
2. **boolean**: every value is one of yes/no, true/false, y/n, t/f, 1/0 → 1.0 / 0.0.
3. **numeric**: every value is a number or text that parses as one (blanks such as Telco's
   `TotalCharges` of `" "` are missing) → float, blanks stay missing (NaN).
4. **date**: every value is a date, a datetime or ISO-like text → age in days before the
   reference date (the latest date seen in training), so "signed up 400 days ago".
5. **text** → categorical: the most frequent categories (at most `MAX_CATEGORIES`, each seen
   at least `MIN_CATEGORY_ROWS` times) get a code, the rest share one "other" code.

Identifiers are dropped because they carry no signal that generalises to new customers (and a
model that keys on them memorises rows). A column is an identifier when

- its values are **unique per row** (≥ 95 % of non-blank values distinct, at least 20 of them) and
  it is text or integer — a float measurement such as a salary is naturally unique and is kept; or
- its **name looks like an id** (a word `id`, `uuid`, `guid`, `key`, `num`, `number`, `no`, `nr`,
  `index`, or a name ending in `id`/`num`, e.g. `customerID`, `CLIENTNUM`, `RowNumber`) and at
  least half of its values are distinct (so `NumOfProducts`, with four values, stays); or
- its **name is a personal datum** (name, surname, e-mail, phone, address) and it is text with
  more than 50 distinct values (`Surname` in the bank set: 2,932 values) — personal strings
  identify people, they do not describe behaviour.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from cxhub.analytics.churn.errors import ChurnInputError
from cxhub.analytics.churn.table import CustomerTable

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a"})
TRUE_TOKENS = frozenset({"yes", "y", "true", "t", "1", "1.0"})
FALSE_TOKENS = frozenset({"no", "n", "false", "f", "0", "0.0"})
MAX_CATEGORIES = 60
MIN_CATEGORY_ROWS = 5
UNIQUE_SHARE = 0.95
ID_SHARE = 0.5
PERSONAL_DISTINCT = 50
ID_WORDS = frozenset({"id", "uuid", "guid", "key", "num", "number", "no", "nr", "index", "idx"})
PERSONAL_WORDS = frozenset(
    {"name", "surname", "firstname", "lastname", "email", "mail", "phone", "mobile", "address"}
)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y")
OTHER = "(other)"

FloatArray = npt.NDArray[np.float64]


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    DATE = "date"
    IDENTIFIER = "identifier"
    DROPPED = "dropped"


@dataclass(frozen=True)
class ColumnSpec:
    """How one column was read and is encoded."""

    name: str
    kind: ColumnKind
    reason: str = ""
    categories: tuple[str, ...] = ()
    has_other: bool = False
    date_format: str | None = None
    reference_day: int = 0  # proleptic ordinal of the reference date

    @property
    def is_feature(self) -> bool:
        return self.kind not in (ColumnKind.IDENTIFIER, ColumnKind.DROPPED)

    def encode(self, values: Sequence[Any]) -> FloatArray:
        if self.kind is ColumnKind.NUMERIC:
            plain = _plain_numbers(values)
            if plain is not None:
                return plain
        return np.array([self._encode_one(v) for v in values], dtype=np.float64)

    def _encode_one(self, value: Any) -> float:
        if is_missing(value):
            return math.nan
        if self.kind is ColumnKind.NUMERIC:
            number = as_number(value)
            return math.nan if number is None else number
        if self.kind is ColumnKind.BOOLEAN:
            token = _token(value)
            return 1.0 if token in TRUE_TOKENS else 0.0 if token in FALSE_TOKENS else math.nan
        if self.kind is ColumnKind.DATE:
            day = as_date(value, self.date_format)
            return math.nan if day is None else float(self.reference_day - day.toordinal())
        if self.kind is ColumnKind.CATEGORICAL:
            text = str(value).strip()
            if text in self.categories:
                return float(self.categories.index(text))
            return float(len(self.categories)) if self.has_other else math.nan
        return math.nan

    def labels(self, codes: FloatArray) -> list[str]:
        """`label` of many codes at once (numbers and dates formatted without a call each)."""
        if self.kind in (ColumnKind.NUMERIC, ColumnKind.DATE):
            suffix = " days ago" if self.kind is ColumnKind.DATE else ""
            text = ("{:g}" + suffix).format
            return ["(blank)" if math.isnan(c) else text(c) for c in codes.tolist()]
        return [self.label(c) for c in codes.tolist()]

    def label(self, code: float) -> str:
        """The human value behind an encoded feature value (for per-customer drivers)."""
        if math.isnan(code):
            return "(blank)"
        if self.kind is ColumnKind.CATEGORICAL:
            index = int(code)
            return self.categories[index] if index < len(self.categories) else OTHER
        if self.kind is ColumnKind.BOOLEAN:
            return "yes" if code >= 0.5 else "no"
        if self.kind is ColumnKind.DATE:
            return f"{code:g} days ago"
        return f"{code:g}"


@dataclass(frozen=True)
class TableSchema:
    """The inferred columns of a customer table (target excluded), in table order."""

    columns: tuple[ColumnSpec, ...]

    @property
    def features(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.is_feature)

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.features]

    @property
    def identifiers(self) -> list[str]:
        return [c.name for c in self.columns if c.kind is ColumnKind.IDENTIFIER]

    @property
    def categorical_mask(self) -> list[bool]:
        return [c.kind is ColumnKind.CATEGORICAL for c in self.features]

    def encode(self, table: CustomerTable) -> FloatArray:
        """One row per customer, one float column per feature; NaN where the value is blank."""
        missing = [c.name for c in self.features if c.name not in table.columns]
        if missing:
            raise ChurnInputError(f"the data lacks the model's columns: {', '.join(missing)}")
        if not self.features:
            return np.zeros((table.row_count, 0))
        return np.column_stack([c.encode(table.columns[c.name]) for c in self.features])

    def describe(self) -> list[dict[str, str]]:
        return [{"column": c.name, "kind": c.kind.value, "reason": c.reason} for c in self.columns]


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in MISSING_TOKENS


def _token(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


_PLAIN_NUMBER_TYPES = frozenset({int, float, type(None)})


def _plain_numbers(values: Sequence[Any]) -> FloatArray | None:
    """A column of Python ints, floats and Nones converted at once (what a database gives),
    with the same result as `as_number` per value: blanks and non-finite numbers become NaN.
    None for anything else (text, bools, dates), which then goes value by value."""
    if not all(type(value) in _PLAIN_NUMBER_TYPES for value in values):
        return None
    try:
        numbers = np.array(values, dtype=np.float64)
    except (OverflowError, ValueError):
        return None
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_date(value: Any, date_format: str | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or date_format is None:
        return None
    text = value.strip()
    try:
        if date_format == "iso":
            return datetime.fromisoformat(text).date()
        return datetime.strptime(text, date_format).date()
    except ValueError:
        return None


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _looks_like_id(name: str) -> bool:
    words = _words(name)
    joined = "".join(words)
    return bool(ID_WORDS.intersection(words)) or joined.endswith(("id", "num"))


def _looks_personal(name: str) -> bool:
    words = _words(name)
    return bool(PERSONAL_WORDS.intersection(words)) or "".join(words) in PERSONAL_WORDS


def _date_format(values: Sequence[Any]) -> str | None:
    if all(isinstance(v, date) for v in values):
        return "native"
    if not all(isinstance(v, str) for v in values):
        return None
    texts = [v.strip() for v in values]
    if not all(re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?", t) for t in texts):
        return None
    for candidate in ("iso", *DATE_FORMATS):
        if all(as_date(t, candidate) is not None for t in texts):
            return candidate
    return None


def infer_column(name: str, values: Sequence[Any]) -> ColumnSpec:
    present = [v for v in values if not is_missing(v)]
    if not present:
        return ColumnSpec(name, ColumnKind.DROPPED, "no values")
    tokens = [_token(v) for v in present]
    distinct = len(set(tokens))
    if distinct == 1:
        return ColumnSpec(name, ColumnKind.DROPPED, "one value only")
    unique_per_row = len(present) >= 20 and distinct >= UNIQUE_SHARE * len(present)
    id_name = _looks_like_id(name) and distinct >= ID_SHARE * len(present)
    if set(tokens) <= TRUE_TOKENS | FALSE_TOKENS:
        return ColumnSpec(name, ColumnKind.BOOLEAN, "yes/no values")
    numbers = [as_number(v) for v in present]
    if all(n is not None for n in numbers):
        integral = all(float(n).is_integer() for n in numbers if n is not None)
        if integral and (unique_per_row or id_name):
            return ColumnSpec(name, ColumnKind.IDENTIFIER, "integer unique per row or id name")
        return ColumnSpec(name, ColumnKind.NUMERIC, "numbers")
    date_format = _date_format(present)
    if date_format is not None:
        days = [as_date(v, date_format) for v in present]
        latest = max(d.toordinal() for d in days if d is not None)
        return ColumnSpec(
            name, ColumnKind.DATE, "dates", date_format=date_format, reference_day=latest
        )
    if unique_per_row or id_name:
        return ColumnSpec(name, ColumnKind.IDENTIFIER, "text unique per row or id name")
    if _looks_personal(name) and distinct > PERSONAL_DISTINCT:
        return ColumnSpec(name, ColumnKind.IDENTIFIER, "personal datum (name, e-mail, phone)")
    counts = Counter(str(v).strip() for v in present)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = tuple(v for v, n in ranked[:MAX_CATEGORIES] if n >= MIN_CATEGORY_ROWS)
    if not kept:
        return ColumnSpec(name, ColumnKind.DROPPED, "every category is rare")
    has_other = len(kept) < len(ranked)
    reason = "text" if not has_other else f"text, {len(ranked) - len(kept)} rare values as other"
    return ColumnSpec(name, ColumnKind.CATEGORICAL, reason, categories=kept, has_other=has_other)


def infer_schema(table: CustomerTable, *, exclude: Sequence[str] = ()) -> TableSchema:
    return TableSchema(
        tuple(infer_column(n, v) for n, v in table.columns.items() if n not in exclude)
    )
