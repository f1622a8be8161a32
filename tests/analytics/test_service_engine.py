"""Service KPIs on the analytics engine (ADR 0033) over rows read from the system of record equal
the SQL live pass `service_kpis(..., rollups=False)`, for every grouping and random periods; a
Parquet snapshot exported by the CLI gives the same answer. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cxhub.analytics import engine
from cxhub.analytics.service_engine import export_service_tables, service_kpis_on_engine
from cxhub.analytics.service_kpis import GroupBy, service_kpis
from cxhub.cli import app as cli_app
from cxhub.core.errors import ValidationFailed
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from tests.analytics.test_service_rollups import FIRST_DAY, SPAN_DAYS, _seed
from tests.factories import Tenant, make_tenant

DUCKDB = engine.EngineConfig()


@pytest.fixture(scope="module")
def seeded(runtime: Runtime) -> Tenant:
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        _seed(session, tenant, random.Random(33), tickets=220)
    return tenant


def _close(expected: Any, actual: Any, exact: bool) -> bool:
    """Equal; on SQLite the SQL pass's durations come from julianday() floats (about 10^-5 s
    of noise), so floats there are compared to 1e-9 relative."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _close(expected[k], actual[k], exact) for k in expected
        )
    if isinstance(expected, float) and isinstance(actual, float) and not exact:
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-4)
    return bool(expected == actual)


def test_engine_pass_equals_the_sql_live_pass(seeded: Tenant) -> None:
    rng = random.Random(5)
    periods = [(FIRST_DAY, FIRST_DAY + timedelta(days=SPAN_DAYS + 3))]
    for _ in range(2):
        start = FIRST_DAY + timedelta(seconds=rng.randrange(-86400, SPAN_DAYS * 86400))
        periods.append((start, start + timedelta(seconds=rng.randrange(3600, 9 * 86400))))
    with seeded.session() as session:
        exact = session.get_bind().dialect.name != "sqlite"
        for start, end in periods:
            for group_by in GroupBy:
                window = {
                    "workspace_id": seeded.workspace_id,
                    "start": start,
                    "end": end,
                    "group_by": group_by,
                }
                expected = [asdict(g) for g in service_kpis(session, rollups=False, **window)]
                actual = [asdict(g) for g in service_kpis_on_engine(session, DUCKDB, **window)]
                assert [g["key"] for g in actual] == [g["key"] for g in expected]
                for want, got in zip(expected, actual, strict=True):
                    assert _close(want, got, exact), (start, end, group_by, want, got)
        whole = service_kpis(
            session,
            rollups=False,
            workspace_id=seeded.workspace_id,
            start=periods[0][0],
            end=periods[0][1],
        )
        assert whole[0].created > 100
        assert whole[0].sla
        assert whole[0].resolution["count"] > 50


def test_cli_exports_a_snapshot_that_gives_the_same_answer(
    seeded: Tenant, settings: Settings, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli_app,
        [
            "--database-url",
            str(settings.database_url),
            "analytics",
            "export-service",
            "--workspace",
            seeded.slug,
            "--to",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tickets" in result.output
    start, end = FIRST_DAY, FIRST_DAY + timedelta(days=SPAN_DAYS)
    with seeded.session() as session:
        window = {
            "workspace_id": seeded.workspace_id,
            "start": start,
            "end": end,
            "group_by": GroupBy.CHANNEL,
        }
        from_rows = service_kpis_on_engine(session, DUCKDB, **window)
        from_files = service_kpis_on_engine(session, DUCKDB, snapshot=tmp_path, **window)
    assert [asdict(g) for g in from_files] == [asdict(g) for g in from_rows]


def test_cli_refuses_bad_options(seeded: Tenant, settings: Settings, tmp_path: Path) -> None:
    base = [
        "--database-url",
        str(settings.database_url),
        "analytics",
        "service-kpis",
        "--workspace",
        seeded.slug,
    ]
    period = ["--from", "2026-03-01T00:00:00Z", "--until", "2026-03-02T00:00:00Z"]
    for extra in (
        ["--group-by", "weekday", *period],
        ["--from", "2026-03-01", "--until", "2026-03-02T00:00:00Z"],
        ["--from", "yesterday", "--until", "2026-03-02T00:00:00Z"],
    ):
        result = CliRunner().invoke(cli_app, [*base, *extra])
        assert result.exit_code == 2, (extra, result.output)
    missing = CliRunner().invoke(cli_app, [*base, *period, "--snapshot", str(tmp_path)])
    assert missing.exit_code == 1
    assert "no service snapshot" in missing.output
    ok = CliRunner().invoke(cli_app, [*base, *period, "--group-by", "day"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)[0]["key"] == "2026-03-01"


def test_export_counts_and_missing_snapshot(seeded: Tenant, tmp_path: Path) -> None:
    with seeded.session() as session:
        counts = export_service_tables(
            session, workspace_id=seeded.workspace_id, directory=tmp_path / "snap"
        )
        assert counts["tickets"] == 220
        with pytest.raises(ValidationFailed):
            service_kpis_on_engine(
                session,
                DUCKDB,
                workspace_id=seeded.workspace_id,
                start=FIRST_DAY,
                end=FIRST_DAY + timedelta(days=1),
                snapshot=tmp_path / "nothing-here",
            )
