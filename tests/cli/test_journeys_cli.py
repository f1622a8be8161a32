"""`cxhub journeys rebuild-paths` end to end: it replaces the workspace's path-prefix rows with
ones built from all touchpoints (a row deleted by hand comes back), and an unknown workspace is
a usage error."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.core.settings import Settings
from cxhub.experience.journeys.models import JourneyPathPrefix
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant


def test_rebuild_paths_restores_the_rollup(
    settings: Settings, client: TestClient, tenant: Tenant
) -> None:
    person = contact(client, tenant)
    for kind, at in (("call", "2026-05-01T09:00:00Z"), ("chat", "2026-05-02T09:00:00Z")):
        response = client.post(
            "/api/v1/touchpoints",
            json={"channel": "phone", "kind": kind, "occurred_at": at, "contact_id": person["id"]},
            headers=tenant.admin,
        )
        assert response.status_code == 201, response.text
    with tenant.session() as session:
        session.execute(
            delete(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person["id"])
        )
    assert settings.database_url is not None
    runner = CliRunner()
    base = ["--database-url", settings.database_url, "journeys", "rebuild-paths"]
    result = runner.invoke(app, [*base, "--workspace", tenant.slug])
    assert result.exit_code == 0, result.output
    assert "1 customer paths rebuilt" in result.stdout
    with tenant.session() as session:
        row = session.scalar(
            select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person["id"])
        )
        assert row is not None
        assert (row.step_count, row.step_0, row.step_1) == (2, "call", "chat")
    unknown = runner.invoke(app, [*base, "--workspace", "no-such-workspace"])
    assert unknown.exit_code == 2
