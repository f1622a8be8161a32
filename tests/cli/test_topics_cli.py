"""`cxhub topics discover` and `cxhub topics report` against the test database."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.core.settings import Settings
from tests.experience.topics.conftest import THEMES, create_ticket
from tests.factories import Tenant


def _run(settings: Settings, tenant: Tenant, *args: str) -> tuple[int, str, str]:
    assert settings.database_url is not None
    result = CliRunner().invoke(
        app, ["--database-url", settings.database_url, "topics", *args, "--workspace", tenant.slug]
    )
    return result.exit_code, result.stdout, result.stderr


def test_discover_then_report(client: TestClient, settings: Settings, tenant: Tenant) -> None:
    for texts in THEMES.values():
        for text in texts:
            create_ticket(client, tenant, text)
    code, out, err = _run(settings, tenant, "discover", "--k", "3", "--days", "30")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["texts"], summary["topics"], summary["assigned"]) == (24, 3, 24)
    assert "discovering topics" in err
    code, out, _ = _run(settings, tenant, "report", "--format", "csv", "--limit", "2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert all(int(r["contacts"]) == 8 for r in rows)
    code, out, _ = _run(settings, tenant, "report")
    assert code == 0
    assert len(json.loads(out)) == 3


def test_bad_options_exit_2_with_one_line(settings: Settings, tenant: Tenant) -> None:
    for args in (("discover", "--k", "1"), ("discover", "--days", "0"),
                 ("report", "--format", "xml"), ("report", "--repeat-days", "0")):  # fmt: skip
        code, _, err = _run(settings, tenant, *args)
        assert code == 2, args
        assert err.startswith("error:"), err
