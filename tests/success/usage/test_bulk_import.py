"""`cxhub import events`: files land in the Parquet store, bad records are reported one by one
and never lose the good ones, identity is resolved, and a re-run adds nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner, Result

from cxhub.cli import app
from cxhub.core.settings import Settings
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.success.usage import service
from cxhub.success.usage.storage import event_files
from cxhub.success.usage.validation import validate_call
from tests.factories import Tenant, unique

Invoke = Callable[..., Result]


@pytest.fixture
def cxhub(settings: Settings) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, tenant: Tenant) -> Result:
        assert settings.database_url is not None
        return runner.invoke(
            app,
            [
                "--database-url",
                settings.database_url,
                "--data-dir",
                str(settings.data_dir),
                "import",
                "events",
                *args,
                "--workspace",
                tenant.slug,
            ],
        )

    return invoke


def _stored(settings: Settings, tenant: Tenant) -> list[tuple[Any, ...]]:
    files = [str(f.path) for f in event_files(settings.data_dir, tenant.workspace_id)]
    if not files:
        return []
    with duckdb.connect() as connection:
        return connection.execute(
            "SELECT message_id, type, event, user_id, group_id, timestamp, properties, context "
            "FROM read_parquet(?) ORDER BY message_id",
            [files],
        ).fetchall()


def _track(message_id: str, user: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": message_id,
        "userId": user,
        "event": "Report Built",
        "timestamp": "2026-05-01T10:00:00Z",
        "properties": {"rows": 3},
        "context": {"library": {"name": "analytics-python"}},
    } | extra


def _ndjson(path: Path, records: list[Any], *, raw_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_valid_records_land_and_each_bad_one_is_reported(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    run = unique("r")
    user, group = f"{run}-user", f"{run}-acct"
    records = [
        _track(f"{run}-1", user),
        _track(f"{run}-1", user),  # repeated in the file: stored once
        {"type": "page", "messageId": f"{run}-2", "anonymousId": "anon", "name": "Pricing",
         "timestamp": "2026-05-02T23:30:00-02:00"},
        {"type": "identify", "messageId": f"{run}-3", "userId": user,
         "traits": {"email": f"{run}@example.com", "name": "Ada Lovelace"}},
        {"type": "group", "messageId": f"{run}-4", "userId": user, "groupId": group,
         "traits": {"name": "Analytical Engines", "seats": 12}},
        _track(f"{run}-5", user, timestamp="yesterday"),
        {"type": "track", "messageId": f"{run}-6", "event": "No One"},
        _track(f"{run}-7", user, properties=[1, 2]),
        {"type": "jump", "messageId": f"{run}-8", "userId": user},
        _track(f"{run}-9", {"id": 1}),
    ]  # fmt: skip
    source = _ndjson(tmp_path / "events.ndjson", records, raw_lines=("{not json",))
    rejects = tmp_path / "rejects.ndjson"
    result = cxhub(str(source), "--errors", str(rejects), tenant=tenant)
    assert result.exit_code == 1, result.output
    assert "11 records read: 4 events stored, 1 already stored, 6 rejected" in result.stdout
    refused = [json.loads(line) for line in rejects.read_text().splitlines()]
    reasons = {r["messageId"]: r["reason"] for r in refused}
    assert reasons == {
        f"{run}-5": "timestamp is not an ISO-8601 date-time",
        f"{run}-6": "userId or anonymousId is required",
        f"{run}-7": "properties must be an object",
        f"{run}-8": "type must be one of alias, group, identify, page, screen, track",
        f"{run}-9": "userId must be a string",
        None: "the record is not a readable JSON object",
    }
    assert all(r["file"].endswith("events.ndjson") for r in refused)
    stored = _stored(settings, tenant)
    assert [row[0] for row in stored] == [f"{run}-{n}" for n in (1, 2, 3, 4)]
    track, page, identify, grouped = stored
    assert track[2:4] == ("Report Built", user)
    assert json.loads(track[6]) == {"rows": 3}
    assert json.loads(track[7]) == {"library": {"name": "analytics-python"}}
    assert page[2] == "Pricing"
    assert page[5] == datetime(2026, 5, 3, 1, 30)  # UTC, naive
    assert json.loads(identify[6])["email"] == f"{run}@example.com"
    assert grouped[4] == group
    with tenant.session() as session:
        account = accounts.find_account_by_external_id(session, external_id=group)
        assert account is not None
        assert account.name == "Analytical Engines"
        assert account.custom_attributes == {"seats": 12}
        assert contacts.external_ids_of_account(session, account_id=account.id) == [user]


def test_a_rerun_adds_nothing_and_inbox_events_are_not_copied(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    run = unique("r")
    arrived = datetime(2026, 5, 1, 12, tzinfo=UTC)
    in_inbox = validate_call(_track(f"{run}-0", "u"), received_at=arrived)
    with tenant.session() as session:
        service.append_events(session, workspace_id=tenant.workspace_id, rows=[in_inbox])
    source = _ndjson(tmp_path / "e.jsonl", [_track(f"{run}-{n}", "u") for n in range(3)])
    first = cxhub(str(source), tenant=tenant)
    assert first.exit_code == 0, first.output
    assert "3 records read: 2 events stored, 1 already stored, 0 rejected" in first.stdout
    files = event_files(settings.data_dir, tenant.workspace_id)
    again = cxhub(str(source), tenant=tenant)
    assert again.exit_code == 0, again.output
    assert "3 records read: 0 events stored, 3 already stored" in again.stdout
    assert event_files(settings.data_dir, tenant.workspace_id) == files
    assert [row[0] for row in _stored(settings, tenant)] == [f"{run}-1", f"{run}-2"]


def test_csv_and_parquet_files(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    run = unique("r")
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "type,messageId,userId,event,timestamp,properties\n"
        f'track,{run}-c1,u1,Export,2026-05-01T10:00:00Z,"{{""format"": ""pdf""}}"\n'
        f"track,{run}-c2,u1,Export,2026-05-01T11:00:00Z,not-json\n",
        encoding="utf-8",
    )
    result = cxhub(str(csv_file), tenant=tenant)
    assert result.exit_code == 1, result.output
    assert "properties must be an object" in result.output
    parquet_file = tmp_path / "events.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT 'track' AS type, '{run}-p' || i AS messageId, 'u2' AS userId, "  # noqa: S608
            "'Share' AS event, TIMESTAMP '2026-05-02 09:00:00' AS timestamp, "
            "{'target': 'team', 'count': i} AS properties FROM range(2) t(i)) "
            f"TO '{parquet_file}' (FORMAT PARQUET)"
        )
    result = cxhub(str(parquet_file), tenant=tenant)
    assert result.exit_code == 0, result.output
    stored = {row[0]: row for row in _stored(settings, tenant)}
    assert set(stored) == {f"{run}-c1", f"{run}-p0", f"{run}-p1"}
    assert json.loads(stored[f"{run}-c1"][6]) == {"format": "pdf"}
    assert json.loads(stored[f"{run}-p1"][6]) == {"target": "team", "count": 1}
    assert stored[f"{run}-p0"][5] == datetime(2026, 5, 2, 9)


def test_events_stay_in_their_workspace(
    cxhub: Invoke, settings: Settings, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    run = unique("r")
    group = f"{run}-acct"
    records = [
        _track(f"{run}-1", "u"),
        {"type": "group", "messageId": f"{run}-2", "userId": f"{run}-u", "groupId": group},
    ]
    result = cxhub(str(_ndjson(tmp_path / "e.ndjson", records)), tenant=tenant)
    assert result.exit_code == 0, result.output
    assert len(_stored(settings, tenant)) == 2
    assert _stored(settings, other_tenant) == []
    with other_tenant.session() as session:
        assert accounts.find_account_by_external_id(session, external_id=group) is None
    with tenant.session() as session:
        assert accounts.find_account_by_external_id(session, external_id=group) is not None


def test_usage_errors(cxhub: Invoke, tenant: Tenant, tmp_path: Path) -> None:
    unknown = tmp_path / "events.txt"
    unknown.write_text("{}\n", encoding="utf-8")
    result = cxhub(str(unknown), tenant=tenant)
    assert result.exit_code == 2
    assert "--format ndjson|csv|parquet" in result.output
    missing = cxhub(str(tmp_path / "absent.ndjson"), tenant=tenant)
    assert missing.exit_code == 2
    assert "file not found" in missing.output
    wrong = cxhub(str(unknown), "--format", "xml", tenant=tenant)
    assert wrong.exit_code == 2


def test_the_erased_contact_placeholder_id_is_refused(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    run = unique("r")
    records = [
        _track(f"{run}-1", "cxhub:erased-contact"),
        {"type": "identify", "messageId": f"{run}-2", "userId": " cxhub:erased-contact",
         "traits": {"email": f"{run}@example.com"}},
        {"type": "alias", "messageId": f"{run}-3", "userId": f"{run}-u",
         "previousId": "cxhub:erased-contact"},
        _track(f"{run}-4", f"{run}-u"),
    ]  # fmt: skip
    source = _ndjson(tmp_path / "events.ndjson", records)
    rejects = tmp_path / "rejects.ndjson"
    result = cxhub(str(source), "--errors", str(rejects), tenant=tenant)
    assert result.exit_code == 1, result.output
    reasons = {
        r["messageId"]: r["reason"] for r in map(json.loads, rejects.read_text().splitlines())
    }
    assert set(reasons) == {f"{run}-1", f"{run}-2", f"{run}-3"}
    assert all("reserved" in reason for reason in reasons.values())
    assert [row[0] for row in _stored(settings, tenant)] == [f"{run}-4"]


def test_imported_identify_calls_set_locale_and_time_zone_like_the_live_call(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    """Traits and context give locale and time zone (one mapping for import and live calls);
    a value cxhub cannot store is dropped and the person still lands."""
    run = unique("tz")
    records = [
        {"type": "identify", "messageId": f"{run}-1", "userId": f"{run}-a",
         "traits": {"email": f"{run}-a@example.com", "timezone": "Europe/Rome"},
         "context": {"locale": "it-IT"}},
        {"type": "identify", "messageId": f"{run}-2", "userId": f"{run}-b",
         "traits": {"email": f"{run}-b@example.com", "locale": "not a locale!",
                    "timeZone": "Mars/Olympus"}},
    ]  # fmt: skip
    result = cxhub(str(_ndjson(tmp_path / "ids.ndjson", records)), tenant=tenant)
    assert result.exit_code == 0, result.output
    with tenant.session() as session:
        keys = [(IdentifierKind.EXTERNAL_ID, f"{run}-{user}") for user in ("a", "b")]
        owners = contacts.owners_of(session, keys)
        first, second = (contacts.get_contact(session, contact_id=owners[key]) for key in keys)
        assert (first.locale, first.time_zone) == ("it-IT", "Europe/Rome")
        assert (second.locale, second.time_zone) == (None, None)
        email = (IdentifierKind.EMAIL, f"{run}-b@example.com")
        assert contacts.owners_of(session, [email]) == {email: second.id}


def test_the_import_judges_json_members_as_the_api_does(
    cxhub: Invoke, tenant: Tenant, tmp_path: Path
) -> None:
    """Objects, nulls and every other JSON shape, spaced out as a hand-written file would be:
    the import tells an object by the reader's minified text, so each verdict is checked
    against the live API's."""
    run = unique("shape")
    shapes = {
        "object": '{ "a" : [ 1, { "b" : null } ] }',
        "empty-object": "{  }",
        "null": "null",
        "array": "[ { } ]",
        "text": '" {not an object}"',
        "brace-text": '"{}"',
        "number": " -1.5e3",
        "true": "true",
    }
    lines: list[str] = []
    verdicts: dict[str, str | None] = {}
    for shape, member in shapes.items():
        for field, kind in (("properties", "track"), ("traits", "identify"), ("context", "page")):
            message_id = f"{run}-{field}-{shape}"
            line = (
                f'{{ "type" : "{kind}", "messageId": "{message_id}", "userId": "{run}-u", '
                f'"event": "Seen", "timestamp": "2026-05-01T10:00:00Z", "{field}" : {member} }}'
            )
            lines.append(line)
            try:
                validate_call(json.loads(line), received_at=datetime.now(UTC))
                verdicts[message_id] = None
            except ValueError as refusal:
                verdicts[message_id] = str(refusal)
    assert set(verdicts.values()) == {
        None,
        "properties must be an object",
        "traits must be an object",
        "context must be an object",
    }
    rejects = tmp_path / "rejects.ndjson"
    source = _ndjson(tmp_path / "shapes.ndjson", [], raw_lines=tuple(lines))
    result = cxhub(str(source), "--errors", str(rejects), tenant=tenant)
    assert result.exit_code == 1, result.output
    refused = {
        r["messageId"]: r["reason"] for r in map(json.loads, rejects.read_text().splitlines())
    }
    assert refused == {m: reason for m, reason in verdicts.items() if reason is not None}


def test_a_call_identity_refuses_is_rejected_and_the_rest_lands(
    cxhub: Invoke, settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    """A call the customers import refuses (an invalid email) is rejected with its reason; the
    other events of its day and of other days land."""
    run = unique("refused")
    records = [
        _track(f"{run}-1", f"{run}-u"),
        _track(f"{run}-2", f"{run}-u", timestamp="2026-05-01T23:59:59Z"),
        {"type": "identify", "messageId": f"{run}-3", "userId": f"{run}-bad",
         "timestamp": "2026-05-01T12:00:00Z", "traits": {"email": "not an email"}},
        {"type": "identify", "messageId": f"{run}-4", "userId": f"{run}-good",
         "timestamp": "2026-05-01T12:00:00Z", "traits": {"email": f"{run}@example.com"}},
        _track(f"{run}-5", f"{run}-u", timestamp="2026-05-02T08:00:00Z"),
    ]  # fmt: skip
    rejects = tmp_path / "rejects.ndjson"
    source = _ndjson(tmp_path / "events.ndjson", records)
    result = cxhub(str(source), "--errors", str(rejects), tenant=tenant)
    assert result.exit_code == 1, result.output
    assert "5 records read: 4 events stored, 0 already stored, 1 rejected" in result.stdout
    refused = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["messageId"], r["userId"]) for r in refused] == [(f"{run}-3", f"{run}-bad")]
    assert "email" in refused[0]["reason"]
    assert [row[0] for row in _stored(settings, tenant)] == [f"{run}-{n}" for n in (1, 2, 4, 5)]
    days = sorted(f.day for f in event_files(settings.data_dir, tenant.workspace_id))
    assert [d.isoformat() for d in days] == ["2026-05-01", "2026-05-02"]
    again = cxhub(str(source), tenant=tenant)
    assert "5 records read: 0 events stored, 4 already stored, 1 rejected" in again.stdout
