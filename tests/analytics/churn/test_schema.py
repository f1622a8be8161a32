"""Column types and identifier dropping on hand-made tables."""

from __future__ import annotations

import math
from datetime import date

import pytest

from cxhub.analytics.churn import ColumnKind, CustomerTable, as_table, infer_schema
from cxhub.analytics.churn.schema import infer_column


def _kind(name: str, values: list[object]) -> ColumnKind:
    return infer_column(name, values).kind


def test_numbers_stored_as_text_with_blanks_are_numeric() -> None:
    spec = infer_column("TotalCharges", ["29.85", " ", "1889.5", "108.15", ""])
    assert spec.kind is ColumnKind.NUMERIC
    encoded = spec.encode(["29.85", " ", "7"])
    assert encoded[0] == pytest.approx(29.85)
    assert math.isnan(encoded[1])
    assert encoded[2] == 7.0


@pytest.mark.parametrize(
    "values",
    [["Yes", "No", "yes", ""], ["TRUE", "false"], [1, 0, 1], ["y", "n"], [True, False]],
)
def test_yes_no_values_are_boolean(values: list[object]) -> None:
    spec = infer_column("PaperlessBilling", values)
    assert spec.kind is ColumnKind.BOOLEAN
    assert {v for v in spec.encode(values).tolist() if not math.isnan(v)} == {0.0, 1.0}


def test_text_is_categorical_with_rare_values_grouped() -> None:
    values = ["DSL"] * 30 + ["Fiber optic"] * 20 + ["Satellite"] * 2 + ["No"] * 10
    spec = infer_column("InternetService", values)
    assert spec.kind is ColumnKind.CATEGORICAL
    assert spec.categories == ("DSL", "Fiber optic", "No")
    assert spec.has_other
    assert spec.encode(["Fiber optic", "Satellite", "never seen", ""]).tolist()[:3] == [1, 3, 3]


def test_dates_become_age_in_days_before_the_latest_date() -> None:
    spec = infer_column("signed_up", ["2024-01-01", "2024-03-01", "2023-12-31T10:00:00", ""])
    assert spec.kind is ColumnKind.DATE
    assert spec.encode(["2024-03-01", "2024-02-29", date(2024, 1, 1)]).tolist() == [0, 1, 60]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("customerID", [f"{i:04d}-ABCD" for i in range(40)]),  # unique text
        ("RowNumber", list(range(1, 41))),  # unique integers
        ("CLIENTNUM", [str(700000000 + 13 * i) for i in range(40)]),  # id name, unique
        ("account_ref", [f"A{i}" for i in range(40)]),  # no id name, but unique per row
        ("user_id", [str(i // 2) for i in range(40)]),  # id name, half distinct
    ],
)
def test_identifiers_are_dropped(name: str, values: list[object]) -> None:
    assert _kind(name, values) is ColumnKind.IDENTIFIER


def test_personal_names_are_dropped_but_small_name_columns_kept() -> None:
    surnames = [f"Surname{i % 70}" for i in range(200)]
    assert _kind("Surname", surnames) is ColumnKind.IDENTIFIER
    plans = ["Basic", "Pro", "Enterprise"] * 20
    assert _kind("plan_name", plans) is ColumnKind.CATEGORICAL


def test_measurements_and_counts_are_not_identifiers() -> None:
    salaries = [f"{1000 + i * 3.17:.2f}" for i in range(100)]  # unique floats stay
    assert _kind("EstimatedSalary", salaries) is ColumnKind.NUMERIC
    products = [str(1 + i % 4) for i in range(100)]  # "num" in the name, four values
    assert _kind("NumOfProducts", products) is ColumnKind.NUMERIC


def test_empty_and_constant_columns_are_dropped() -> None:
    assert _kind("notes", ["", " ", None]) is ColumnKind.DROPPED
    assert _kind("country", ["DE"] * 30) is ColumnKind.DROPPED


def test_a_table_from_rows_from_columns_and_the_schema_encoding() -> None:
    rows = [
        {"id": str(i), "plan": "Pro" if i % 2 else "Basic", "seats": str(i % 5)} for i in range(30)
    ]
    table = as_table(rows)
    assert table == as_table({k: [r[k] for r in rows] for k in ("id", "plan", "seats")})
    schema = infer_schema(table)
    assert schema.identifiers == ["id"]
    assert schema.feature_names == ["plan", "seats"]
    assert schema.categorical_mask == [True, False]
    assert schema.encode(table).shape == (30, 2)


def test_tables_with_unequal_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="same number of rows"):
        CustomerTable({"a": [1, 2], "b": [1]})


def test_numbers_from_a_database_encode_at_once_exactly_as_value_by_value() -> None:
    """The vectorised path for ints/floats/None gives what `_encode_one` gives per value,
    including blanks and non-finite numbers; mixed columns still go value by value."""
    plain: list[object] = [3, 2.5, None, float("nan"), float("inf"), -7, 0, 10**15, -0.0]
    spec = infer_column("n", [1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert spec.kind is ColumnKind.NUMERIC
    fast = spec.encode(plain)
    slow = [spec._encode_one(v) for v in plain]
    assert len(fast) == len(slow)
    for got, want in zip(fast, slow, strict=True):
        assert (math.isnan(got) and math.isnan(want)) or got == want
    assert math.isnan(fast[4])  # infinity is not a number here
    mixed = spec.encode([1, " 2 ", "n/a", True])
    assert list(mixed[:2]) == [1.0, 2.0]
    assert math.isnan(mixed[2])
    assert mixed[3] == 1.0
