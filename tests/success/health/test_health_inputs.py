"""Health inputs from tickets and the timeline, and the daily job's registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.health_inputs import account_inputs
from cxhub.core.runtime import Runtime
from cxhub.success.health.tasks import DAY_SECONDS, RESCORE
from tests.factories import Tenant, unique

API = "/api/v1"


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, object]) -> int:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_ticket_and_engagement_inputs(client: TestClient, runtime: Runtime, tenant: Tenant) -> None:
    account_id = _post(client, tenant, "/accounts", {"name": unique("A ")})
    contact = {"first_name": "Bo", "emails": [f"{unique('p')}@x.org"], "account_id": account_id}
    contact_id = _post(client, tenant, "/contacts", contact)
    for priority in ("urgent", "normal", "low", "high"):
        body = {"subject": "s", "description": "d", "requester_id": contact_id}
        _post(client, tenant, "/tickets", body | {"priority": priority})
    now = datetime.now(UTC)
    call = {
        "kind": "call",
        "channel": "phone",
        "occurred_at": (now - timedelta(days=3)).isoformat(),
        "account_id": account_id,
    }
    _post(client, tenant, "/interactions", call)
    with tenant.session() as session:
        inputs = account_inputs(
            session,
            workspace_id=tenant.workspace_id,
            account_ids=[account_id],
            as_of=now + timedelta(minutes=1),
            data_dir=runtime.settings.data_dir,
        )[account_id]
    assert inputs["support_load"] == 4  # 4 tickets, no active seat: per account
    assert inputs["urgent_share"] == pytest.approx(0.5)
    assert inputs["days_since_engagement"] == pytest.approx(3, abs=0.01)
    assert inputs["csat"] is None
    assert inputs["billing_status"] is None  # never had a subscription


def test_rescore_job_is_registered_daily(runtime: Runtime) -> None:
    assert RESCORE in runtime.jobs.names()
    assert runtime.scheduler is not None
    assert any(
        t.job_name == RESCORE and t.every_seconds == DAY_SECONDS for t in runtime.scheduler.tasks
    )
