"""`cxhub import` / `cxhub export` end to end through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cxhub.cli import app
from cxhub.core.settings import Settings
from tests.factories import Tenant


@pytest.fixture
def cxhub(settings: Settings, tenant: Tenant) -> object:
    runner = CliRunner()

    def invoke(*args: str, workspace: str | None = None) -> Result:
        assert settings.database_url is not None
        return runner.invoke(
            app,
            [
                "--database-url",
                settings.database_url,
                *args,
                "--workspace",
                workspace or tenant.slug,
            ],
        )

    return invoke


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _export(cxhub: object, entity: str, workspace: str | None = None) -> list[dict[str, object]]:
    result = cxhub("export", entity, "--format", "jsonl", "-o", "-", workspace=workspace)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_bad_rows_are_reported_and_good_rows_land(cxhub: object, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "contacts.csv",
        "Email,First Name,Country\n"
        "ada@example.com,Ada,GB\n"
        "not-an-email,Bob,US\n"
        "grace@example.com,Grace,United States\n"
        "alan@example.com,Alan,GB\n",
    )
    report = tmp_path / "errors.csv"
    result = cxhub("import", "contacts", str(source), "--errors", str(report))  # type: ignore[operator]
    assert result.exit_code == 1
    assert "contacts: 4 rows: 2 created, 0 updated, 0 unchanged, 2 failed" in result.stdout
    assert "2 of 4 rows failed" in result.stderr
    with report.open(newline="") as handle:
        failed = list(csv.DictReader(handle))
    assert [(r["#row"], r["#column"]) for r in failed] == [("3", "Email"), ("4", "Country")]
    assert failed[1]["Email"] == "grace@example.com"  # the original values, ready to fix
    assert {c["emails"][0] for c in _export(cxhub, "contacts")} == {
        "ada@example.com", "alan@example.com"
    }  # fmt: skip
    # the corrected error file imports as is: its '#' columns are ignored
    fixed = (
        report.read_text().replace("not-an-email", "bob@example.com").replace("United States", "US")
    )
    rerun = cxhub("import", "contacts", str(_write(tmp_path / "fixed.csv", fixed)))  # type: ignore[operator]
    assert rerun.exit_code == 0, rerun.output
    assert "2 created" in rerun.stdout


def test_second_run_reports_unchanged_and_adds_nothing(cxhub: object, tmp_path: Path) -> None:
    source = _write(tmp_path / "people.csv", "email;phone\na@x.io;+39 06 1234567\nb@x.io;\n")
    assert cxhub("import", "contacts", str(source)).exit_code == 0  # type: ignore[operator]
    again = cxhub("import", "contacts", str(source))  # type: ignore[operator]
    assert again.exit_code == 0
    assert "2 rows: 0 created, 0 updated, 2 unchanged, 0 failed" in again.stdout
    assert len(_export(cxhub, "contacts")) == 2


def test_map_option_routes_columns(cxhub: object, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "crm.csv", "Mail,Nome,Piano,Note\nlucia@example.it,Lucia,pro,call back\n"
    )
    result = cxhub(  # type: ignore[operator]
        "import", "contacts", str(source), "--map", "Mail=email", "--map", "Nome=first_name",
        "--map", "Piano=attributes.plan", "--map", "Note=-",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (contact,) = _export(cxhub, "contacts")
    assert contact["emails"] == ["lucia@example.it"]
    assert contact["first_name"] == "Lucia"
    assert contact["custom_attributes"] == {"plan": "pro"}


def test_jsonl_interactions_import_and_resolve_contacts(cxhub: object, tmp_path: Path) -> None:
    lines = [
        {"kind": "call", "channel": "phone", "occurred_at": "2024-02-01T09:00:00Z",
         "contact_email": "Ada@Example.com", "summary": "onboarding", "sentiment": 0.5},
        {"kind": "call", "channel": "fax", "occurred_at": "2024-02-01T09:00:00Z",
         "contact_email": "ada@example.com"},
        {"kind": "chat", "channel": "chat", "occurred_at": "2024-02-02T09:00:00",
         "contact_email": "ada@example.com", "payload": {"topic": "billing"}},
    ]  # fmt: skip
    source = _write(tmp_path / "touchpoints.jsonl", "\n".join(json.dumps(x) for x in lines))
    result = cxhub("import", "interactions", str(source), "--naive-timezone", "UTC")  # type: ignore[operator]
    assert result.exit_code == 1
    assert "row 2 [channel]" in result.stderr
    interactions = _export(cxhub, "interactions")
    assert [(i["kind"], i["contact_email"]) for i in interactions] == [
        ("call", "ada@example.com"), ("chat", "ada@example.com")
    ]  # fmt: skip
    assert interactions[1]["payload"] == {"topic": "billing"}
    assert len(_export(cxhub, "contacts")) == 1


def test_export_then_import_into_another_workspace_round_trips(
    cxhub: object, other_tenant: Tenant, tmp_path: Path
) -> None:
    _write(
        tmp_path / "accounts.csv",
        "external_id,name,domains,tier\nA1,Acme,acme.com;acme.io,gold\n,Initech,,\n",
    )
    _write(
        tmp_path / "contacts.jsonl",
        json.dumps({"emails": ["wile@acme.com", "w@acme.io"], "phones": ["+1 555 0199"],
                    "first_name": "Wile", "custom_attributes": {"score": 7, "vip": True}})
        + "\n" + json.dumps({"external_id": "u-2", "account_name": "Initech", "locale": "it-IT"}),
    )  # fmt: skip
    _write(
        tmp_path / "interactions.csv",
        "kind,channel,occurred_at,contact_external_id,summary\n"
        'meeting,in_person,2024-01-01T10:00:00+01:00,u-2,"kick-off, with ""quotes"""\n',
    )
    for entity, name in (("accounts", "accounts.csv"), ("contacts", "contacts.jsonl"),
                         ("interactions", "interactions.csv")):  # fmt: skip
        assert cxhub("import", entity, str(tmp_path / name)).exit_code == 0  # type: ignore[operator]
    volatile = {"id", "created_at", "updated_at"}
    for entity in ("accounts", "contacts", "interactions"):
        for fmt in ("csv", "jsonl"):
            out = tmp_path / f"{entity}-{other_tenant.slug}.{fmt}"
            exported = cxhub("export", entity, "-o", str(out))  # type: ignore[operator]
            assert exported.exit_code == 0, exported.output
            imported = cxhub("import", entity, str(out), workspace=other_tenant.slug)  # type: ignore[operator]
            assert imported.exit_code == 0, imported.output
        original = [
            {k: v for k, v in r.items() if k not in volatile} for r in _export(cxhub, entity)
        ]
        copied = [
            {k: v for k, v in r.items() if k not in volatile}
            for r in _export(cxhub, entity, workspace=other_tenant.slug)
        ]
        assert copied == original
        assert original


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "widgets", "x.csv"], "unknown entity 'widgets'"),
        (["import", "contacts", "missing.csv"], "file not found"),
        (["import", "contacts", "{file}", "--map", "Nope=email"], "not in the file"),
        (["import", "contacts", "{file}", "--map", "email"], "expected SOURCE=FIELD"),
        (["import", "contacts", "{file}", "--format", "xml"], "unknown format"),
        (["export", "tickets"], "unknown entity 'tickets'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    cxhub: object, tmp_path: Path, args: list[str], message: str
) -> None:
    source = _write(tmp_path / "ok.csv", "email\na@x.io\n")
    result = cxhub(*[a.replace("{file}", str(source)) for a in args])  # type: ignore[operator]
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_file_of_many_batches_imports_the_same_with_the_reader_process(
    cxhub: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["Email,Phone,First Name"]
    lines += [f"p{n % 40}@example.com,+39 06 {n:07d},Name{n}" for n in range(120)]
    lines.insert(50, "broken,12,Bad")  # one bad row, reported with its line number
    source = _write(tmp_path / "contacts.csv", "\n".join(lines) + "\n")
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: True)
    result = cxhub("import", "contacts", str(source), "--batch-size", "25")  # type: ignore[operator]
    assert result.exit_code == 1, result.output
    assert "contacts: 121 rows: 40 created, 80 updated, 0 unchanged, 1 failed" in result.stdout
    assert "51" in result.output  # the bad row's number
    again = cxhub("import", "contacts", str(source), "--batch-size", "25")  # type: ignore[operator]
    assert "0 created, 0 updated, 120 unchanged, 1 failed" in again.stdout


def test_usage_errors_found_in_review_exit_2_without_traceback(
    cxhub: object, tmp_path: Path
) -> None:
    source = _write(tmp_path / "c.csv", "email\nada@example.com\n")
    bad_delimiter = cxhub("import", "contacts", str(source), "--delimiter", ";;")  # type: ignore[operator]
    assert bad_delimiter.exit_code == 2
    assert "one character" in bad_delimiter.output
    assert "Traceback" not in bad_delimiter.output
    into_directory = cxhub("export", "contacts", "-o", str(tmp_path))  # type: ignore[operator]
    assert into_directory.exit_code == 2
    assert "is a directory" in into_directory.output


def test_out_of_range_times_fail_their_row_only(cxhub: object, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "touchpoints.csv",
        "external_id,contact_email,kind,channel,occurred_at\n"
        "t-1,ok@example.com,call,phone,2026-01-02T03:04:05Z\n"
        "t-2,ok@example.com,call,phone,0001-01-01T00:00:00+14:00\n",
    )
    result = cxhub("import", "interactions", str(source))  # type: ignore[operator]
    assert result.exit_code == 1
    assert "1 created" in result.stdout
    assert "1 failed" in result.stdout
