"""Health inputs from tickets and the timeline, and the daily job's registration."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.health import HealthResult, score_account_data
from cxhub.analytics.health_billing import subscription_inputs
from cxhub.analytics.health_inputs import account_input_table, account_inputs
from cxhub.core.runtime import Runtime
from cxhub.customers.accounts.models import Account
from cxhub.success.health import service as health
from cxhub.success.health.rescore import rescore_workspace
from cxhub.success.health.tasks import DAY_SECONDS, RESCORE
from cxhub.success.subscriptions.models import Subscription, SubscriptionStatus
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


def test_billing_figures_in_sql_follow_the_subscription_rules(
    runtime: Runtime, tenant: Tenant
) -> None:
    """The per-account SQL aggregate (`_subscription_figures` + `billing_inputs`) answers what
    `subscription_inputs` answers on the subscriptions themselves, and licensed seats come from
    live subscriptions, else from `custom_attributes.seats`."""
    rng = random.Random(4)
    today = date(2026, 6, 1)
    as_of = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    statuses = [s.value for s in SubscriptionStatus]
    expected: dict[int, dict[str, float | None]] = {}
    with tenant.session() as session:
        for n in range(40):
            attributes = {"seats": 7} if n % 3 == 0 else {}
            account = Account(workspace_id=tenant.workspace_id, name=unique("A "),
                              name_key=unique("a"), custom_attributes=attributes)  # fmt: skip
            session.add(account)
            session.flush()
            subscriptions = []
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                started = today + timedelta(days=rng.randint(-400, 5))
                subscriptions.append(
                    Subscription(
                        workspace_id=tenant.workspace_id, account_id=account.id, plan="p",
                        currency="EUR", mrr_cents=100, seats=rng.choice([0, 1, 4]),
                        started_on=started, status=rng.choice(statuses),
                        renewal_on=rng.choice([None, today + timedelta(days=rng.randint(-30, 90)),
                                               today]),
                        ended_on=rng.choice([None, None, today, today + timedelta(days=3),
                                             today - timedelta(days=2)]),
                    )
                )  # fmt: skip
            session.add_all(subscriptions)
            expected[account.id] = subscription_inputs(subscriptions, today)
        session.flush()
        table = account_input_table(
            session,
            workspace_id=tenant.workspace_id,
            as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )
    rows = table.rows()
    assert sorted(rows) == sorted(expected)
    for account_id, wanted in expected.items():
        got = rows[account_id]
        assert got["renewal_days"] == wanted["renewal_days"], account_id
        assert got["billing_status"] == wanted["billing_status"], account_id


def test_rescore_stores_what_the_per_account_formula_gives(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    """The column-wise rescore stores, for every account, what `score_account_data` gives
    for that account's inputs (read back through the stored compact breakdown)."""
    for n in range(6):
        account_id = _post(client, tenant, "/accounts", {"name": unique("A ")})
        if n % 2:
            subscription = {"account_id": account_id, "plan": "pro", "currency": "EUR",
                            "mrr_cents": 5_000, "started_on": "2026-01-01",
                            "renewal_on": "2027-01-01"}  # fmt: skip
            _post(client, tenant, "/subscriptions", subscription)
        contact = {"first_name": "Bo", "emails": [f"{unique('p')}@x.org"], "account_id": account_id}
        contact_id = _post(client, tenant, "/contacts", contact)
        for _ in range(n % 3):
            body = {"subject": "s", "description": "d", "requester_id": contact_id}
            _post(client, tenant, "/tickets", body | {"priority": "urgent"})
    as_of = datetime.now(UTC) + timedelta(minutes=1)
    with tenant.session() as session:
        rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    with tenant.session() as session:
        inputs = account_inputs(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
        card = health.definition_of(
            health.default_scorecard(session, workspace_id=tenant.workspace_id)
        )
        assert len(inputs) == 6
        for account_id, values in inputs.items():
            stored = health.account_health(session, account_id=account_id).latest
            assert stored is not None
            assert (
                stored.model_dump()
                == HealthResult.model_validate(score_account_data(card, values)).model_dump()
            )
