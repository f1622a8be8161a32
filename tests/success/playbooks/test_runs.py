"""Playbooks firing: once per condition episode, re-arming when it clears, every run logged,
each action's outcome, conditions, and the run log's workspace isolation."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.outbound_http import OutboundPolicy
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.customers.accounts.models import Account
from cxhub.service.mail.models import OutboundEmail
from cxhub.service.sla.events import SlaBreached
from cxhub.service.tickets.models import Ticket
from cxhub.success.health import service as health
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.playbooks.actions import RunContext
from cxhub.success.playbooks.evaluation import evaluate_workspace
from cxhub.success.playbooks.webhooks import SIGNATURE_HEADER, verify
from cxhub.success.tasks.models import CsmTask
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.success.playbooks.conftest import (
    API,
    Receiver,
    account,
    contact,
    emit,
    playbook,
    post,
    runs,
)


def today() -> date:
    """Read when used, not at import: a run that crosses midnight UTC compares with the code's
    own clock, so a date taken at collection would be a day behind."""
    return datetime.now(UTC).date()


def _default_card(tenant: Tenant) -> int:
    with tenant.session() as session:
        return health.default_scorecard(session, workspace_id=tenant.workspace_id).id


def _band(
    tenant: Tenant,
    account_id: int,
    band: str,
    previous: str | None,
    scorecard_id: int | None = None,
) -> HealthBandChanged:
    return HealthBandChanged(
        workspace_id=tenant.workspace_id,
        account_id=account_id,
        scorecard_id=scorecard_id or _default_card(tenant),
        day=today(),
        previous_band=previous,
        band=band,
        previous_score=55.0,
        score=20.0 if band == "poor" else 80.0,
    )


def _evaluate(runtime: Runtime, tenant: Tenant, now: datetime) -> Any:
    with tenant.session() as session:
        return evaluate_workspace(
            session,
            context=RunContext(tenant.workspace_id, now, "http://cx.example", OutboundPolicy()),
            data_dir=runtime.settings.data_dir,
        )


def _tasks(tenant: Tenant, account_id: int) -> list[CsmTask]:
    with tenant.session() as session:
        return list(
            session.scalars(
                select(CsmTask).where(CsmTask.account_id == account_id).order_by(CsmTask.id)
            )
        )


def test_health_band_fires_once_per_episode_and_re_arms(client: TestClient, tenant: Tenant) -> None:
    csm = tenant.user_ids[Role.CSM]
    acme = account(client, tenant, owner_id=csm)
    book = playbook(
        client,
        tenant,
        trigger={"type": "health_band", "bands": ["poor"]},
        actions=[
            {
                "type": "create_task",
                "title": "{{ account.name }} is at risk",
                "notes": "{{ trigger.summary }}",
                "due_in_days": 2,
                "priority": "high",
            },
            {"type": "tag_account", "tags": ["at-risk"]},
        ],
    )
    default_card = _default_card(tenant)  # the built-in scorecard is the default one
    other_card = post(
        client,
        tenant,
        "/health/scorecards",
        {
            "name": unique("card "),
            "definition": {
                "components": [
                    {
                        "metric": "csat",
                        "weight": 100,
                        "points": [{"value": 50, "score": 0}, {"value": 95, "score": 100}],
                    }
                ]
            },
        },
    )["id"]
    emit(tenant, _band(tenant, acme, "poor", "fair", scorecard_id=other_card))
    assert other_card != default_card
    assert runs(client, tenant, book["id"]) == []  # another scorecard's bands do not count
    emit(tenant, _band(tenant, acme, "poor", "fair"))
    emit(tenant, _band(tenant, acme, "poor", "poor"))  # a re-score inside the same episode
    first = runs(client, tenant, book["id"])
    assert len(first) == 1
    run = first[0]
    assert run["account_id"] == acme
    assert run["status"] == "succeeded"
    assert run["facts"]["band"] == "poor"
    assert run["facts"]["previous_band"] == "fair"
    assert [(a["type"], a["status"]) for a in run["actions"]] == [
        ("create_task", "done"),
        ("tag_account", "done"),
    ]
    tasks = _tasks(tenant, acme)
    assert len(tasks) == 1
    assert tasks[0].owner_id == csm
    assert tasks[0].due_on == today() + timedelta(days=2)
    assert tasks[0].priority == "high"
    assert (tasks[0].source, tasks[0].playbook_run_id) == ("playbook", run["id"])
    assert tasks[0].title.endswith("is at risk")
    assert "Health moved from fair to poor" in tasks[0].notes
    with tenant.session() as session:
        assert session.get(Account, acme).custom_attributes["tags"] == ["at-risk"]
    shown = client.get(f"{API}/playbooks/{book['id']}", headers=tenant.admin).json()
    assert shown["open_episodes"] == 1
    emit(tenant, _band(tenant, acme, "good", "poor"))  # the episode ends: re-armed
    assert (
        client.get(f"{API}/playbooks/{book['id']}", headers=tenant.admin).json()["open_episodes"]
        == 0
    )
    assert len(runs(client, tenant, book["id"])) == 1
    emit(tenant, _band(tenant, acme, "poor", "good"))  # a new episode
    assert len(runs(client, tenant, book["id"])) == 2
    assert len(_tasks(tenant, acme)) == 2


def _ticket(client: TestClient, tenant: Tenant, requester: int, **fields: Any) -> dict[str, Any]:
    return post(
        client,
        tenant,
        "/tickets",
        {"subject": "Help", "description": "d", "requester_id": requester} | fields,
    )


def test_sla_breach_fires_for_key_accounts_only_and_ends_after_a_quiet_window(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    key = account(client, tenant, tier="enterprise")
    small = account(client, tenant, tier="free")
    book = playbook(
        client,
        tenant,
        trigger={"type": "sla_breach", "window_days": 7},
        conditions=[{"field": "tier", "op": "in", "value": ["Enterprise"]}],
    )
    tickets = {a: _ticket(client, tenant, contact(client, tenant, a)) for a in (key, small)}

    def breach(account_id: int) -> None:
        emit(
            tenant,
            SlaBreached(
                workspace_id=tenant.workspace_id,
                ticket_id=tickets[account_id]["id"],
                account_id=account_id,
                metric="first_reply",
                due_at=datetime.now(UTC),
            ),
        )

    breach(key)
    breach(small)
    breach(key)
    logged = runs(client, tenant, book["id"])
    assert [r["account_id"] for r in logged] == [key]
    assert logged[0]["facts"]["ticket_number"] == tickets[key]["number"]
    summary = _evaluate(runtime, tenant, datetime.now(UTC) + timedelta(days=3))
    assert summary.cleared == 0  # still within the window
    summary = _evaluate(runtime, tenant, datetime.now(UTC) + timedelta(days=8))
    assert summary.cleared == 1
    breach(key)
    assert len(runs(client, tenant, book["id"])) == 2


def test_repeated_tickets_on_one_topic_open_a_ticket_that_does_not_count(
    client: TestClient, tenant: Tenant
) -> None:
    acme = account(client, tenant)
    requester = contact(client, tenant, acme)
    book = playbook(
        client,
        tenant,
        trigger={"type": "repeated_tickets", "count": 3, "days": 14},
        actions=[
            {
                "type": "open_ticket",
                "subject": "Recurring: {{ trigger.summary }}",
                "description": "Look at {{ account.name }}",
                "tags": ["billing"],
            }
        ],
    )
    _ticket(client, tenant, requester, tags=["billing"])
    _ticket(client, tenant, requester, tags=["login"])
    _ticket(client, tenant, requester, tags=["billing"])
    assert runs(client, tenant, book["id"]) == []
    _ticket(client, tenant, requester, tags=["billing", "urgent"])
    logged = runs(client, tenant, book["id"])
    assert len(logged) == 1
    assert logged[0]["facts"]["topic"] == "billing"
    assert logged[0]["facts"]["tickets"] == 3
    opened = logged[0]["actions"][0]
    assert opened["status"] == "done"
    with tenant.session() as session:
        made = session.get(Ticket, opened["ref"]["ticket_id"])
        assert made is not None
        assert made.external_id == f"playbook-run-{logged[0]['id']}-0"
        assert made.subject == "Recurring: 3 tickets about billing in 14 days"
        assert made.requester_id == requester
    _ticket(client, tenant, requester, tags=["billing"])
    assert len(runs(client, tenant, book["id"])) == 1  # same episode


def test_nps_detractor_signal_fires_and_a_better_answer_re_arms(
    client: TestClient, tenant: Tenant
) -> None:
    acme = account(client, tenant)
    person = contact(client, tenant, acme)
    book = playbook(
        client,
        tenant,
        trigger={"type": "nps_detractor", "max_score": 6},
        actions=[{"type": "enrol_in_survey", "survey": "csat-followup"}],
    )

    def answer(score: int) -> None:
        response = client.post(
            f"{API}/playbooks/signals/nps",
            json={"account_id": acme, "contact_id": person, "score": score},
            headers=tenant.headers(Role.CSM),
        )
        assert response.status_code == 202, response.text

    answer(3)
    answer(5)
    assert len(runs(client, tenant, book["id"])) == 1
    answer(9)
    answer(2)
    logged = runs(client, tenant, book["id"])
    assert [r["facts"]["score"] for r in logged] == [2, 3]  # newest first
    enrolled = client.get(f"{API}/survey-enrolments", headers=tenant.admin).json()
    assert [(e["survey"], e["contact_id"], e["status"]) for e in enrolled] == [
        ("csat-followup", person, "pending"),
        ("csat-followup", person, "pending"),
    ]
    other = account(client, tenant)
    assert_problem(
        client.post(
            f"{API}/playbooks/signals/nps",
            json={"account_id": other, "contact_id": person, "score": 1},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(
            f"{API}/playbooks/signals/nps",
            json={"account_id": acme, "score": 11},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )


def _subscription(
    client: TestClient, tenant: Tenant, account_id: int, renewal_on: date, seats: int = 5
) -> None:
    post(
        client,
        tenant,
        "/subscriptions",
        {
            "account_id": account_id,
            "plan": "pro",
            "currency": "EUR",
            "mrr_cents": 10_000,
            "seats": seats,
            "started_on": (today() - timedelta(days=300)).isoformat(),
            "renewal_on": renewal_on.isoformat(),
        },
    )


def test_renewal_due_is_checked_on_the_clock_idempotently_and_mails_the_owner(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    csm = tenant.user_ids[Role.CSM]
    soon = account(client, tenant, owner_id=csm)
    later = account(client, tenant, owner_id=csm)
    _subscription(client, tenant, soon, today() + timedelta(days=20))
    _subscription(client, tenant, later, today() + timedelta(days=200))
    book = playbook(
        client,
        tenant,
        trigger={"type": "renewal_due", "days": 30},
        actions=[
            {
                "type": "send_email",
                "to": ["account_owner"],
                "subject": "Renewal: {{ account.name }}",
                "body": "{{ trigger.summary }} — {{ account.url }}",
            }
        ],
    )
    now = datetime.now(UTC)
    _evaluate(runtime, tenant, now)
    no_mailbox = runs(client, tenant, book["id"])
    assert [(r["account_id"], r["status"]) for r in no_mailbox] == [(soon, "failed")]
    assert no_mailbox[0]["actions"][0]["status"] == "skipped"
    assert no_mailbox[0]["facts"]["arr_cents"] == 120_000
    assert no_mailbox[0]["facts"]["days_until"] == 20
    _evaluate(runtime, tenant, now + timedelta(hours=1))
    assert len(runs(client, tenant, book["id"])) == 1  # the same episode: nothing new

    post(
        client,
        tenant,
        "/mailboxes",
        {"address": f"{unique('cs')}@acme.example", "display_name": "CS"},
    )
    mailed = playbook(
        client,
        tenant,
        trigger={"type": "renewal_due", "days": 30},
        actions=[
            {
                "type": "send_email",
                "to": ["account_owner", "ops@acme.example"],
                "subject": "Renewal: {{ account.name }}",
                "body": "{{ account.url }}",
            }
        ],
    )
    _evaluate(runtime, tenant, now)
    run = runs(client, tenant, mailed["id"])[0]
    assert run["status"] == "succeeded"
    assert run["actions"][0]["status"] == "queued"
    with tenant.session() as session:
        queued = [session.get(OutboundEmail, i) for i in run["actions"][0]["ref"]["outbound_ids"]]
        recipients = sorted(row.to for row in queued if row is not None)
        assert all(
            row is not None and row.ticket_id is None and row.kind == "playbook" for row in queued
        )
        assert any(row is not None and f"/accounts/{soon}".encode() in row.raw for row in queued)
    assert recipients == sorted([f"csm-{tenant.slug}@example.com", "ops@acme.example"])


def test_disabled_playbooks_and_unmet_conditions_do_not_fire(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    acme = account(client, tenant, tier="free")
    _subscription(client, tenant, acme, today() + timedelta(days=5))
    off = playbook(client, tenant, trigger={"type": "renewal_due", "days": 30}, enabled=False)
    picky = playbook(
        client,
        tenant,
        trigger={"type": "renewal_due", "days": 30},
        conditions=[{"field": "tags", "op": "includes_any", "value": ["vip"]}],
    )
    _evaluate(runtime, tenant, datetime.now(UTC))
    assert runs(client, tenant, off["id"]) == []
    assert runs(client, tenant, picky["id"]) == []
    client.patch(
        f"{API}/accounts/{acme}",
        json={"custom_attributes": {"tags": ["VIP"]}},
        headers=tenant.admin,
    )
    _evaluate(runtime, tenant, datetime.now(UTC))
    assert len(runs(client, tenant, picky["id"])) == 1
    assert runs(client, tenant, off["id"]) == []


def test_webhooks_are_signed_and_private_targets_need_the_allow_list(
    client: TestClient,
    runtime: Runtime,
    tenant: Tenant,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = receiver
    acme = account(client, tenant)
    body = {
        "trigger": {"type": "health_band", "bands": ["poor"]},
        "actions": [{"type": "webhook", "url": url}],
    }
    assert_problem(
        client.post(f"{API}/playbooks", json={**body, "name": "refused"}, headers=tenant.admin),
        422,
        "unsafe-target",
    )
    monkeypatch.setattr(runtime.settings, "outbound_http_allow", "127.0.0.1/32")
    book = playbook(client, tenant, **body)
    emit(tenant, _band(tenant, acme, "poor", "fair"))
    run = runs(client, tenant, book["id"])[0]
    assert run["actions"][0]["status"] == "sent", run
    assert run["status"] == "succeeded"
    headers, payload = received[0]
    assert verify(
        book["webhook_secret"],
        payload,
        headers[SIGNATURE_HEADER],
        now=datetime.now(UTC).timestamp(),
    )
    assert not verify(
        "another secret", payload, headers[SIGNATURE_HEADER], now=datetime.now(UTC).timestamp()
    )
    assert b'"event":"playbook.fired"' in payload
    assert str(acme).encode() in payload
    # The allow list is read at run time too: a stored private target is refused once it is gone.
    emit(tenant, _band(tenant, acme, "good", "poor"))
    monkeypatch.setattr(runtime.settings, "outbound_http_allow", "")
    emit(tenant, _band(tenant, acme, "poor", "good"))
    second = runs(client, tenant, book["id"])[0]
    assert second["actions"][0]["status"] == "failed"
    assert "127.0.0.1 is a private or reserved address" in second["actions"][0]["detail"]
    assert len(received) == 1


def test_a_slow_receiver_fails_the_action_at_the_total_timeout(
    client: TestClient,
    runtime: Runtime,
    tenant: Tenant,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cxhub.success.playbooks import webhooks

    url, received = receiver
    monkeypatch.setattr(runtime.settings, "outbound_http_allow", "127.0.0.1/32")
    monkeypatch.setattr(webhooks, "TOTAL_SECONDS", 0.8)
    acme = account(client, tenant)
    book = playbook(
        client,
        tenant,
        trigger={"type": "health_band", "bands": ["poor"]},
        actions=[{"type": "webhook", "url": url.replace("/hook", "/slow")}],
    )
    started = time.monotonic()
    emit(tenant, _band(tenant, acme, "poor", "fair"))
    assert time.monotonic() - started < 3.0
    action = runs(client, tenant, book["id"])[0]["actions"][0]
    assert action["status"] == "failed", action
    assert "no complete answer within 0.8 s" in action["detail"]
    assert len(received) == 1


def test_a_webhook_whose_job_was_lost_is_queued_again_by_the_hourly_evaluation(
    client: TestClient,
    runtime: Runtime,
    tenant: Tenant,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cxhub.core.jobs import JobRequest
    from cxhub.success.playbooks.actions import DELIVER_WEBHOOK
    from cxhub.success.playbooks.tasks import EVALUATE
    from cxhub.success.playbooks.webhooks import REQUEUE_AFTER

    url, received = receiver
    monkeypatch.setattr(runtime.settings, "outbound_http_allow", "127.0.0.1/32")
    acme = account(client, tenant)
    book = playbook(
        client,
        tenant,
        trigger={"type": "health_band", "bands": ["poor"]},
        actions=[{"type": "webhook", "url": url}],
    )
    submit = runtime.job_queue.submit

    def lose_webhooks(request: JobRequest) -> None:  # the process stopped before the post
        if request.name != DELIVER_WEBHOOK:
            submit(request)

    monkeypatch.setattr(runtime.job_queue, "submit", lose_webhooks)
    emit(tenant, _band(tenant, acme, "poor", "fair"))
    monkeypatch.setattr(runtime.job_queue, "submit", submit)
    assert runs(client, tenant, book["id"])[0]["actions"][0]["status"] == "queued"
    created = datetime.now(UTC)

    def evaluate(at: datetime) -> None:
        runtime.job_queue.submit(JobRequest(EVALUATE, tenant.workspace_id, {"at": at.isoformat()}))

    evaluate(created + REQUEUE_AFTER - timedelta(minutes=1))  # its job may still be on its way
    assert runs(client, tenant, book["id"])[0]["actions"][0]["status"] == "queued"
    assert received == []
    evaluate(created + REQUEUE_AFTER + timedelta(minutes=1))
    assert runs(client, tenant, book["id"])[0]["actions"][0]["status"] == "sent"
    assert len(received) == 1
    evaluate(created + 2 * REQUEUE_AFTER)  # sent: not again
    assert len(received) == 1


def test_the_run_log_and_enrolments_stay_in_their_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for workspace in (tenant, other_tenant):
        acme = account(client, workspace)
        contact(client, workspace, acme)
        playbook(
            client,
            workspace,
            trigger={"type": "health_band", "bands": ["poor"]},
            actions=[{"type": "enrol_in_survey", "survey": "nps"}],
        )
        emit(workspace, _band(workspace, acme, "poor", "fair"))
    mine = client.get(f"{API}/playbook-runs", headers=tenant.admin).json()["items"]
    theirs = client.get(f"{API}/playbook-runs", headers=other_tenant.admin).json()["items"]
    assert len(mine) == 1
    assert len(theirs) == 1
    assert mine[0]["id"] != theirs[0]["id"]
    enrolled_a = client.get(f"{API}/survey-enrolments", headers=tenant.admin).json()
    enrolled_b = client.get(f"{API}/survey-enrolments", headers=other_tenant.admin).json()
    assert {e["id"] for e in enrolled_a}.isdisjoint({e["id"] for e in enrolled_b})
    assert len(enrolled_a) == 1
    by_account = client.get(
        f"{API}/playbook-runs", params={"account_id": theirs[0]["account_id"]}, headers=tenant.admin
    )
    assert by_account.json()["items"] == []


def test_jobs_are_registered_and_the_evaluation_is_scheduled_hourly(runtime: Runtime) -> None:
    from cxhub.success.playbooks.actions import DELIVER_WEBHOOK
    from cxhub.success.playbooks.tasks import EVALUATE, EVERY_SECONDS, ON_EVENT

    assert {ON_EVENT, EVALUATE, DELIVER_WEBHOOK} <= set(runtime.jobs.names())
    assert runtime.scheduler is not None
    assert any(
        t.job_name == EVALUATE and t.every_seconds == EVERY_SECONDS == 3600 and t.per_workspace
        for t in runtime.scheduler.tasks
    )
