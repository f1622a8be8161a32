"""Health routes: scorecards, rescoring, an account's health with its change, the backtest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.health import DEFAULT_SCORECARD
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.health.models import AccountHealthScore
from cxhub.success.health.rescore import rescore_workspace
from tests.factories import Tenant, unique

API = "/api/v1"


def _scorecard(weight_a: float = 60, weight_b: float = 40) -> dict[str, Any]:
    return {
        "components": [
            {
                "metric": "billing_status",
                "weight": weight_a,
                "points": [{"value": 0, "score": 0}, {"value": 1, "score": 100}],
            },
            {
                "metric": "support_load",
                "weight": weight_b,
                "points": [{"value": 0, "score": 100}, {"value": 2, "score": 0}],
            },
        ]
    }


def _account(client: TestClient, tenant: Tenant) -> int:
    response = client.post(f"{API}/accounts", json={"name": unique("A ")}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _subscribe(client: TestClient, tenant: Tenant, account_id: int) -> int:
    body = {
        "account_id": account_id,
        "plan": "pro",
        "currency": "EUR",
        "mrr_cents": 5_000,
        "started_on": "2026-01-01",
    }
    response = client.post(f"{API}/subscriptions", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_scorecard_crud_and_validation(client: TestClient, tenant: Tenant) -> None:
    body = {"name": "Mine", "definition": _scorecard(), "is_default": True}
    created = client.post(f"{API}/health/scorecards", json=body, headers=tenant.admin)
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["is_default"] is True
    duplicate = client.post(f"{API}/health/scorecards", json=body, headers=tenant.admin)
    assert duplicate.status_code == 409
    bad = {"name": "Bad", "definition": _scorecard(60, 30)}
    invalid = client.post(f"{API}/health/scorecards", json=bad, headers=tenant.admin)
    assert invalid.status_code == 422
    assert "sum to 100" in invalid.text
    body["definition"] = _scorecard(50, 50)
    updated = client.put(f"{API}/health/scorecards/{card['id']}", json=body, headers=tenant.admin)
    assert updated.status_code == 200, updated.text
    assert updated.json()["definition"]["components"][0]["weight"] == 50
    listed = client.get(f"{API}/health/scorecards", headers=tenant.headers(Role.VIEWER))
    assert [c["name"] for c in listed.json()] == ["Mine"]
    denied = client.post(f"{API}/health/scorecards", json=body, headers=tenant.headers(Role.AGENT))
    assert denied.status_code == 403
    missing = client.put(f"{API}/health/scorecards/999999", json=body, headers=tenant.admin)
    assert missing.status_code == 404


def test_rescore_stores_one_row_per_account_per_day(client: TestClient, tenant: Tenant) -> None:
    account_id = _account(client, tenant)
    _subscribe(client, tenant, account_id)
    bare = _account(client, tenant)
    for _ in range(2):  # a second run the same day overwrites
        response = client.post(f"{API}/health/rescore", headers=tenant.headers(Role.CSM))
        assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["scored"] == 2
    assert summary["insufficient_data"] == 2  # neither has half the weight in data
    with tenant.session() as session:
        rows = session.query(AccountHealthScore).all()
    assert len(rows) == 2
    health = client.get(f"{API}/accounts/{account_id}/health", headers=tenant.admin).json()
    latest = health["latest"]
    # data: billing 1.0 (weight 10), support load 0 (10), seat utilisation 0 of 1 seat (10);
    # missing: usage and breadth (no events), severity and SLA (no tickets), CSAT, renewal (no
    # renewal date), engagement (no call, meeting or email):
    assert latest["missing"] == [
        "usage_trend",
        "feature_breadth",
        "urgent_share",
        "sla_breaches",
        "csat",
        "renewal_days",
        "days_since_engagement",
    ]
    assert latest["coverage"] == pytest.approx(0.3)
    assert latest["score"] is None  # 30 % < 50 %: insufficient data, not 0
    assert health["history"][0]["coverage"] == pytest.approx(0.3)
    empty = client.get(f"{API}/accounts/{bare}/health", headers=tenant.admin).json()
    assert empty["latest"]["score"] is None
    denied = client.post(f"{API}/health/rescore", headers=tenant.headers(Role.AGENT))
    assert denied.status_code == 403


def test_change_against_seven_days_ago_and_band_event(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    body = {"name": "Billing", "definition": _scorecard(), "is_default": True}
    assert client.post(f"{API}/health/scorecards", json=body, headers=tenant.admin).is_success
    account_id = _account(client, tenant)
    subscription_id = _subscribe(client, tenant, account_id)
    week_ago = datetime.now(UTC) - timedelta(days=7)
    with tenant.session() as session:
        rescore_workspace(
            session,
            workspace_id=tenant.workspace_id,
            as_of=week_ago,
            data_dir=runtime.settings.data_dir,
        )
    cancel = client.post(
        f"{API}/subscriptions/{subscription_id}/cancel",
        json={"ended_on": (week_ago + timedelta(days=1)).date().isoformat()},
        headers=tenant.admin,
    )
    assert cancel.status_code == 200, cancel.text
    seen: list[HealthBandChanged] = []
    runtime.events.subscribe(HealthBandChanged, seen.append)
    response = client.post(f"{API}/health/rescore", headers=tenant.admin)
    assert response.json()["band_changes"] == 1
    health = client.get(f"{API}/accounts/{account_id}/health", headers=tenant.admin).json()
    # a week ago: billing 1 → 100 × 0.6 + support 0 → 100 × 0.4 = 100 (good);
    # now: billing 0 (ended) → 0 × 0.6 + 100 × 0.4 = 40 (fair)
    assert [h["score"] for h in health["history"]] == [pytest.approx(100), pytest.approx(40)]
    change = health["change"]
    assert change["change"] == pytest.approx(-60)
    assert change["components"][0]["metric"] == "billing_status"
    assert change["components"][0]["change"] == pytest.approx(-60)
    assert [(e.previous_band, e.band) for e in seen] == [("good", "fair")]


def test_backtest_route(client: TestClient, tenant: Tenant) -> None:
    empty = client.get(f"{API}/health/backtest", headers=tenant.admin)
    assert empty.status_code == 200, empty.text
    assert empty.json()["accounts"] == 0
    assert [b["band"] for b in empty.json()["bands"]] == [b.name for b in DEFAULT_SCORECARD.bands]
    client.post(f"{API}/health/rescore", headers=tenant.admin)
    today = date.today().isoformat()
    report = client.get(
        f"{API}/health/backtest",
        params={"as_of": today, "horizon_days": 30},
        headers=tenant.headers(Role.ANALYST),
    )
    assert report.status_code == 200, report.text
    assert report.json()["horizon_days"] == 30
    invalid = client.get(f"{API}/health/backtest?horizon_days=0", headers=tenant.admin)
    assert invalid.status_code == 422


def test_rescore_reads_its_inputs_from_the_reader_and_scores_the_same(
    client: TestClient, runtime: Runtime, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a read-only `reader` the inputs and previous bands come from it (on SQLite the write
    lock is then held only for the scores' delete and insert) and the scores are those of the
    one-session rescore."""
    import cxhub.success.health.rescore as rescore_module
    from cxhub.core.db import SQLITE_WRITER_OPTION

    body = {"name": "Billing", "definition": _scorecard(), "is_default": True}
    assert client.post(f"{API}/health/scorecards", json=body, headers=tenant.admin).is_success
    account_id = _account(client, tenant)
    _subscribe(client, tenant, account_id)
    as_of = datetime.now(UTC)

    def scores() -> list[tuple[int, float | None, str | None]]:
        with tenant.session() as session:
            rows = session.query(AccountHealthScore).filter_by(account_id=account_id).all()
            return [(r.scorecard_id, r.score, r.band) for r in rows]

    with tenant.session() as session:
        rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    alone = scores()
    seen: list[object] = []
    real = rescore_module.account_input_table

    def spy(source: Any, **kwargs: Any) -> Any:
        seen.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(rescore_module, "account_input_table", spy)
    reader = runtime.read_session()
    reader.info["workspace_id"] = tenant.workspace_id
    try:
        with tenant.session() as session:
            rescore_workspace(
                session, workspace_id=tenant.workspace_id, as_of=as_of,
                data_dir=runtime.settings.data_dir, reader=reader,
            )  # fmt: skip
    finally:
        reader.close()
    assert seen == [reader]
    assert reader.get_bind().get_execution_options().get(SQLITE_WRITER_OPTION, True) is False
    assert scores() == alone
    assert alone  # something was scored
