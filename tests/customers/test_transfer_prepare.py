"""The fast contact preparation equals the definition it stands in for, on varied rows."""

from __future__ import annotations

from typing import Any

import pytest

from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.transfer.contact_prep import ContactPreparer, fast_normalise
from cxhub.customers.transfer.mapping import Entity, plan_columns
from cxhub.customers.transfer.records import ContactRecord, RowInvalid, contact_record, map_row

IDENTIFIER_SAMPLES = {
    IdentifierKind.EMAIL: [
        "ada@example.com", "Ada.Lovelace@Example.COM", "  grace@example.org ", "x@y.z",
        "ｇｒａｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "wei＠example.cn", "ÉLODIE@exemple.fr", "no-at-sign",
        "two@@example.com", "a b@example.com", "@example.com", "a@example", "", "   ",
        "a@b.c" + "d" * 330, "tab\t@example.com", "x\x1c@example.com",
    ],
    IdentifierKind.PHONE: [
        "+39 312 345 6789", "0039 312 3456789", "(020) 7946-0018", "+１２３４５６７８９",
        "０８１２３４５６７８", "1234", "+1234567890123456", "12a45678", "+", "", "00",
        "  +44 20 7946 0958  ", "020/7946.0018", "+٣١٢٣٤٥٦٧", "0812\u00a03456 789",
    ],
    IdentifierKind.EXTERNAL_ID: [
        "C00000001", "  42 ", "ABC-é", "", " ", "x" * 200, "x" * 201, "\x00", "a\tb", "é\x7f",
    ],
    IdentifierKind.SOCIAL: ["twitter:@Acme", "X:ada", "nohandle", "ｔｗｉｔｔｅｒ:ada"],
}  # fmt: skip


def _outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", function(*args))
    except InvalidIdentifier as exc:
        return ("error", str(exc))


def test_an_external_id_with_a_control_character_is_refused() -> None:
    # Accepted on SQLite, a NUL id was created once and then not found by the next import.
    for value in ("\x00", "C\x1f1", "a\tb"):
        assert _outcome(normalise, IdentifierKind.EXTERNAL_ID, value) == (
            "error",
            str(
                InvalidIdentifier(
                    IdentifierKind.EXTERNAL_ID, value, "must not contain control characters"
                )
            ),
        )


@pytest.mark.parametrize(
    ("kind", "value"),
    [(kind, value) for kind, values in IDENTIFIER_SAMPLES.items() for value in values],
)
def test_fast_normalise_gives_the_same_value_or_the_same_error(
    kind: IdentifierKind, value: str
) -> None:
    assert _outcome(fast_normalise, kind, value) == _outcome(normalise, kind, value)


def _definition(columns: list[str], mapping: dict[str, str], values: dict[str, Any]) -> Any:
    plan = plan_columns(Entity.CONTACTS, columns, mapping, check_sources=False)
    try:
        return contact_record(2, map_row(plan, values))
    except RowInvalid as exc:
        return [(p.column, p.message) for p in exc.problems]


def _fast(columns: list[str], mapping: dict[str, str], values: dict[str, Any]) -> Any:
    plan = plan_columns(Entity.CONTACTS, columns, mapping, check_sources=False)
    try:
        return ContactPreparer(plan)(2, values)
    except RowInvalid as exc:
        return [(p.column, p.message) for p in exc.problems]


HEADER = ["customer_id", "Email", "Phone", "First Name", "last_name", "Country", "locale"]
ROWS: list[list[Any]] = [
    ["C1", "ada@example.com", "+39 312 345 6789", "Ada", "Lovelace", "it", "it-IT"],
    ["C2", "GRACE@EXAMPLE.COM", "", " Grace ", "", "GB", ""],
    ["", "", "", "Nobody", "", "", ""],  # no identifier
    ["C3", "not-an-email", "12", "Bob", "x" * 121, "United Kingdom", "english!"],
    ["C4", "ｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ", "０８１２３４５６７８", "偉", "王", "CN", "zh-CN"],
    ["  ", "  ", "  ", "  ", "  ", "  ", "  "],
    ["C5", "same@example.com", "+44 20 7946 0958", "", "", "", "en_GB"],
    ["C6", "e@example.com", "+1 555 0100", "A" * 120, "B" * 120, "us", "en-US"],
]


@pytest.mark.parametrize("cells", ROWS)
def test_fast_path_equals_the_definition_on_csv_rows(cells: list[Any]) -> None:
    values = dict(zip(HEADER, cells, strict=True))
    assert _fast(HEADER, {}, values) == _definition(HEADER, {}, values)


@pytest.mark.parametrize(
    ("columns", "mapping", "values"),
    [
        # several columns feed one field; the first one empty: keys keep the definition's order
        (
            ["email", "phone", "Work Email", "external_id"],
            {"Work Email": "email"},
            {"email": "", "phone": "+39 06 1234567", "Work Email": "B@x.io", "external_id": "9"},
        ),
        # plural field split on `;`, duplicates removed
        (["emails"], {}, {"emails": "a@x.io; A@X.IO;b@x.io"}),
        # a full name is split by the definition
        (["email", "name"], {}, {"email": "a@x.io", "name": "Ada King Lovelace"}),
        (["email", "name"], {}, {"email": "a@x.io", "name": "Cher"}),
        # JSON attributes merged under the extras
        (
            ["email", "custom_attributes", "Plan"],
            {},
            {
                "email": "a@x.io",
                "custom_attributes": '{"tier": "gold", "Plan": "x"}',
                "Plan": "pro",
            },
        ),
        (["email", "custom_attributes"], {}, {"email": "a@x.io", "custom_attributes": "[1]"}),
        # accounts: by external id, else by name; the column named in failures
        (
            ["email", "Company", "account_external_id"],
            {},
            {"email": "a@x.io", "Company": "Acme", "account_external_id": ""},
        ),
        (["email", "Company"], {}, {"email": "a@x.io", "Company": "Acme"}),
        (["email"], {}, {"email": "a@x.io"}),
        # JSON Lines values that are not strings
        (["email", "external_id", "Age"], {}, {"email": "a@x.io", "external_id": 42, "Age": 7}),
        (["email", "first_name"], {}, {"email": "a@x.io", "first_name": ["A", "B"]}),
        (["emails", "phone"], {}, {"emails": ["a@x.io", " ", "b@x.io"], "phone": None}),
        # time zones and a column the file lacks for this row
        (["email", "tz"], {}, {"email": "a@x.io", "tz": "Asia/Jakarta"}),
        (["email", "tz"], {}, {"email": "a@x.io", "tz": "Mars/Olympus"}),
        (["email", "first_name"], {}, {"email": "a@x.io"}),
    ],
)
def test_fast_path_equals_the_definition_on_unusual_rows(
    columns: list[str], mapping: dict[str, str], values: dict[str, Any]
) -> None:
    assert _fast(columns, mapping, values) == _definition(columns, mapping, values)


def test_the_fast_path_returns_plain_records() -> None:
    record = _fast(HEADER, {}, dict(zip(HEADER, ROWS[0], strict=True)))
    assert isinstance(record, ContactRecord)
    assert record.keys == [
        (IdentifierKind.EXTERNAL_ID, "C1"),
        (IdentifierKind.EMAIL, "ada@example.com"),
        (IdentifierKind.PHONE, "+393123456789"),
    ]
    assert record.fields["country"] == "IT"
