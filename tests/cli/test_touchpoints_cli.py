"""`cxhub touchpoints import calls|mentions FILE` end to end through the command line: good rows
land, bad rows are reported with their number and written to --rejects, re-imports are
duplicates, usage errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from cxhub.cli import app
from cxhub.core.settings import Settings
from tests.factories import Tenant, unique


@pytest.fixture
def cxhub(settings: Settings, tenant: Tenant) -> object:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        assert settings.database_url is not None
        return runner.invoke(
            app, ["--database-url", settings.database_url, "touchpoints", "import", *args,
                  "--workspace", tenant.slug],
        )  # fmt: skip

    return invoke


def test_calls_import_keeps_good_rows_and_writes_rejects(
    cxhub: object, client: TestClient, tenant: Tenant, tmp_path: Path
) -> None:
    email = f"{unique('cli')}@example.com"
    source = tmp_path / "calls.csv"
    source.write_text(
        "kind,occurred_at,direction,duration_seconds,notes,contact_email,external_id\n"
        f"call,2026-05-01T09:00:00Z,outbound,600,Kick-off,{email},{unique('c')}\n"
        f"call,2026-05-01T10:00:00Z,inbound,ten,,{email},{unique('c')}\n"
        f"meeting,2026-05-02T15:00:00Z,,3600,QBR,{email},{unique('c')}\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejected.jsonl"
    result = cxhub("calls", str(source), "--rejects", str(rejects))  # type: ignore[operator]
    assert result.exit_code == 1, result.output
    assert "3 rows: 2 recorded, 0 already there, 1 rejected" in result.stdout
    assert "row 2 duration_seconds" in result.output
    [rejected] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert (rejected["row"], rejected["field"]) == (2, "duration_seconds")
    assert rejected["input"]["duration_seconds"] == "ten"
    listed = client.get("/api/v1/touchpoints", headers=tenant.admin).json()
    assert sorted(t["kind"] for t in listed) == ["call", "meeting"]
    again = cxhub("calls", str(source))  # type: ignore[operator]
    assert "2 already there" in again.stdout


def test_mentions_jsonl_and_usage_errors(cxhub: object, tmp_path: Path) -> None:
    source = tmp_path / "mentions.jsonl"
    source.write_text(
        json.dumps(
            {
                "author": "@someone",
                "network": "twitter",
                "text": "Love the new dashboard!",
                "occurred_at": "2026-05-01T08:00:00Z",
            }
        )
        + "\n{not json\n",
        encoding="utf-8",
    )
    result = cxhub("mentions", str(source))  # type: ignore[operator]
    assert result.exit_code == 1
    assert "2 rows: 1 recorded, 0 already there, 1 rejected" in result.stdout
    assert "row 2: not valid JSON" in result.output
    assert cxhub("faxes", str(source)).exit_code == 2  # type: ignore[operator]
    assert cxhub("calls", str(tmp_path / "missing.csv")).exit_code == 2  # type: ignore[operator]
