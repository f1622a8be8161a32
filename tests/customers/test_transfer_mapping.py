"""Pure parts of the importer: --map parsing, header matching, row -> record, readers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.transfer.interaction_records import interaction_record
from cxhub.customers.transfer.mapping import Entity, MappingError, parse_mapping, plan_columns
from cxhub.customers.transfer.readers import FileFormat, ReadError, open_source
from cxhub.customers.transfer.records import RowInvalid, contact_record, map_row


def test_parse_mapping_accepts_fields_attributes_and_skip() -> None:
    mapping = parse_mapping(
        Entity.CONTACTS, ["E-mail Address=email", "Plan=attributes.plan", "Notes=-"]
    )
    assert mapping == {"E-mail Address": "email", "Plan": "attributes.plan", "Notes": "-"}


@pytest.mark.parametrize(
    "option", ["no-equals", "=email", "Email=", "Email=nonsense", "Email=payload.x"]
)
def test_parse_mapping_rejects_bad_options(option: str) -> None:
    with pytest.raises(MappingError):
        parse_mapping(Entity.CONTACTS, [option])


def test_plan_matches_headers_aliases_and_keeps_unknown_columns() -> None:
    plan = plan_columns(
        Entity.CONTACTS,
        ["E-mail Address", "Surname", "CustomerId", "Plan", "#error", "id"],
        {},
    )
    assert plan.targets == {
        "E-mail Address": "email",
        "Surname": "last_name",
        "CustomerId": "external_id",
        "Plan": "attributes.Plan",
        "#error": "-",
        "id": "-",
    }


def test_plan_rejects_mapping_of_missing_column_and_two_columns_for_one_field() -> None:
    with pytest.raises(MappingError, match="not in the file"):
        plan_columns(Entity.CONTACTS, ["email"], {"Mail": "email"})
    with pytest.raises(MappingError, match="both map to 'first_name'"):
        plan_columns(Entity.CONTACTS, ["first_name", "Given Name"], {"Given Name": "first_name"})


def test_contact_record_normalises_and_splits_plural_identifiers() -> None:
    plan = plan_columns(Entity.CONTACTS, ["emails", "phone", "Full Name", "country"], {})
    row = map_row(
        plan,
        {"emails": "A@X.io; b@x.io", "phone": "0039 06 123 4567", "Full Name": "Ada King Lovelace",
         "country": "gb"},
    )  # fmt: skip
    record = contact_record(2, row)
    assert record.keys == [
        (IdentifierKind.EMAIL, "a@x.io"),
        (IdentifierKind.EMAIL, "b@x.io"),
        (IdentifierKind.PHONE, "+39061234567"),
    ]
    assert record.fields["first_name"] == "Ada King"
    assert record.fields["last_name"] == "Lovelace"
    assert record.fields["country"] == "GB"


def test_contact_record_reports_every_bad_cell_with_its_column() -> None:
    plan = plan_columns(
        Entity.CONTACTS, ["Mail", "Land", "first_name"], {"Mail": "email", "Land": "country"}
    )
    with pytest.raises(RowInvalid) as caught:
        contact_record(7, map_row(plan, {"Mail": "nope", "Land": "Italy", "first_name": "x" * 121}))
    columns = {p.column for p in caught.value.problems}
    assert columns == {"Mail", "Land", "first_name"}


def test_a_nul_character_in_a_text_cell_is_reported_not_stored() -> None:
    # PostgreSQL cannot store NUL; on SQLite such a value was created and then never matched.
    plan = plan_columns(Entity.CONTACTS, ["email", "first_name"], {})
    with pytest.raises(RowInvalid) as caught:
        contact_record(4, map_row(plan, {"email": "ada@example.com", "first_name": "A\x00da"}))
    assert [(p.column, p.message) for p in caught.value.problems] == [
        ("first_name", "first_name contains a NUL character")
    ]


def test_contact_without_identifier_is_rejected() -> None:
    plan = plan_columns(Entity.CONTACTS, ["first_name"], {})
    with pytest.raises(RowInvalid, match="needs an email"):
        contact_record(2, map_row(plan, {"first_name": "Ada"}))


def _interaction(values: dict[str, str], **options: object) -> object:
    plan = plan_columns(Entity.INTERACTIONS, list(values), {})
    return interaction_record(3, map_row(plan, values), **options)  # type: ignore[arg-type]


def test_interaction_times_must_carry_an_offset_unless_a_zone_is_given() -> None:
    row = {"kind": "call", "channel": "Phone", "occurred_at": "2024-03-01 09:30", "email": "a@x.io"}
    with pytest.raises(RowInvalid, match="no time zone"):
        _interaction(row)
    record = _interaction(row, naive_timezone=ZoneInfo("Europe/Rome"))
    assert record.values["occurred_at"] == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)  # type: ignore[attr-defined]


def test_interaction_without_external_id_gets_a_stable_content_hash() -> None:
    row = {
        "kind": "call",
        "channel": "phone",
        "occurred_at": "2024-03-01T09:30:00Z",
        "email": "a@x.io",
    }
    first, again = _interaction(row), _interaction(dict(row))
    other = _interaction({**row, "kind": "meeting"})
    assert first.external_id == again.external_id  # type: ignore[attr-defined]
    assert first.external_id != other.external_id  # type: ignore[attr-defined]


def test_reader_handles_bom_semicolons_and_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffE-mail;Nachname\nzoe@x.io;Müller\n".encode("utf-8"))
    source = open_source(path)
    assert source.columns == ["E-mail", "Nachname"]
    assert [(r.number, r.values) for r in source.rows()] == [
        (2, {"E-mail": "zoe@x.io", "Nachname": "Müller"})
    ]
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("email,last_name\nzoe@x.io,Ren\xe9\n".encode("latin-1"))
    assert next(open_source(legacy).rows()).values["last_name"] == "René"


def test_reader_reports_ragged_rows_and_bad_json_lines(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("email,first_name\na@x.io,Ada\nb@x.io\n")
    rows = list(open_source(ragged).rows())
    assert rows[1].number == 3
    assert rows[1].error is not None
    lines = tmp_path / "events.jsonl"
    lines.write_text('{"email": "a@x.io"}\n\nnot json\n[1]\n')
    parsed = list(open_source(lines).rows())
    assert [(r.number, r.error is None) for r in parsed] == [(1, True), (3, False), (4, False)]


def test_open_source_refuses_unknown_formats_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not found"):
        open_source(tmp_path / "missing.csv")
    odd = tmp_path / "contacts.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(ReadError, match="cannot tell the format"):
        open_source(odd)
    assert open_source(odd, FileFormat.CSV).format is FileFormat.CSV
