"""The hourly check of usage-based triggers: usage drop and seats near the limit, from real
usage events (inbox rows) read through the adoption metrics; and a webhook refused at send
time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from cxhub.analytics import adoption
from cxhub.analytics.usage_signals import accounts_usage
from cxhub.core.outbound_http import OutboundPolicy
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts import service as contacts
from cxhub.success.playbooks.actions import RunContext
from cxhub.success.playbooks.evaluation import evaluate_workspace
from cxhub.success.playbooks.models import PlaybookRun
from cxhub.success.playbooks.webhooks import deliver_webhook
from tests.factories import Tenant, unique
from tests.success.playbooks.conftest import Receiver, account, playbook, post, runs
from tests.success.usage.test_compaction import add_events

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _track(user: str, days_ago: float) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": "Report Built",
        "messageId": unique("m"),
        "timestamp": (AS_OF - timedelta(days=days_ago)).isoformat(),
    }


def _with_users(client: TestClient, tenant: Tenant, users: list[str], seats: int) -> int:
    account_id = account(client, tenant, custom_attributes={"seats": seats})
    for user in users:
        post(
            client,
            tenant,
            "/contacts",
            {"first_name": user, "external_ids": [user], "account_id": account_id},
        )
    return account_id


def _evaluate(runtime: Runtime, tenant: Tenant, now: datetime) -> Any:
    with tenant.session() as session:
        return evaluate_workspace(
            session,
            context=RunContext(tenant.workspace_id, now, "http://cx.example", OutboundPolicy()),
            data_dir=runtime.settings.data_dir,
        )


def test_usage_drop_and_seats_near_limit(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    prefix = unique("u")
    fading = _with_users(client, tenant, [f"{prefix}a", f"{prefix}b"], seats=10)
    crowded = _with_users(client, tenant, [f"{prefix}c", f"{prefix}d", f"{prefix}e"], seats=3)
    calls = [_track(f"{prefix}a", 45 - i * 0.5) for i in range(20)]  # 20 events 35–45 days ago
    calls += [_track(f"{prefix}a", 3)]  # one in the last 30 days: trend 0.05
    calls += [_track(user, 2) for user in (f"{prefix}c", f"{prefix}d", f"{prefix}e")]
    calls += [_track(f"{prefix}c", 40 - i) for i in range(5)]  # 5 before, 3 now: trend 0.6
    add_events(tenant, calls, arrived=AS_OF)
    drop = playbook(
        client, tenant, trigger={"type": "usage_drop", "max_trend": 0.5, "min_previous_events": 10}
    )
    seats = playbook(client, tenant, trigger={"type": "seats_near_limit", "min_utilisation": 0.9})
    summary = _evaluate(runtime, tenant, AS_OF)
    assert summary.fired == 2
    dropped = runs(client, tenant, drop["id"])
    assert [r["account_id"] for r in dropped] == [fading]  # crowded: 0.6 > 0.5, too few before
    assert dropped[0]["facts"] == {
        "events_last_30_days": 1,
        "events_previous_30_days": 20,
        "usage_trend": 0.05,
    }
    full = runs(client, tenant, seats["id"])
    assert [r["account_id"] for r in full] == [crowded]
    assert full[0]["facts"]["active_seats"] == 3
    assert full[0]["facts"]["licensed_seats"] == 3
    again = _evaluate(runtime, tenant, AS_OF + timedelta(hours=1))
    assert again.fired == 0  # idempotent: the episodes are open
    later = _evaluate(runtime, tenant, AS_OF + timedelta(days=10))  # both still hold
    assert (later.fired, later.cleared) == (0, 0)
    # 40 days on, nobody was active in the last 30 days and too little happened before: both
    # episodes end, and the playbooks re-arm.
    cleared = _evaluate(runtime, tenant, AS_OF + timedelta(days=40))
    assert (cleared.fired, cleared.cleared) == (0, 2)


def test_a_webhook_is_checked_at_send_time_against_the_allow_list(
    client: TestClient, runtime: Runtime, tenant: Tenant, receiver: Receiver
) -> None:
    url, received = receiver
    acme = account(client, tenant)
    book = playbook(client, tenant, trigger={"type": "renewal_due", "days": 30})
    base = url.rsplit("/", 1)[0]
    with tenant.session() as session:
        run = PlaybookRun(
            workspace_id=tenant.workspace_id,
            playbook_id=book["id"],
            playbook_name="p",
            account_id=acme,
            trigger_type="renewal_due",
            summary="s",
            facts={},
            actions=[
                {
                    "index": 0,
                    "type": "webhook",
                    "status": "queued",
                    "detail": "",
                    "ref": {"url": url},
                },
                {
                    "index": 1,
                    "type": "webhook",
                    "status": "queued",
                    "detail": "",
                    "ref": {"url": f"{base}/to-metadata"},
                },
            ],
            status="succeeded",
        )
        session.add(run)
        session.flush()
        run_id = run.id

    def send(index: int, allow: str) -> str | None:
        return deliver_webhook(
            runtime.session_factory,
            workspace_id=tenant.workspace_id,
            run_id=run_id,
            index=index,
            policy=OutboundPolicy.parse(allow),
        )

    assert send(0, "") == "failed"
    assert received == []
    with tenant.session() as session:
        stored = session.get(PlaybookRun, run_id)
        assert stored is not None
        assert stored.actions[0]["detail"].startswith("refused: 127.0.0.1 is a private")
        stored.actions = [stored.actions[0] | {"status": "queued"}, stored.actions[1]]
    assert send(0, "127.0.0.1/32") == "sent"
    assert len(received) == 1
    assert send(0, "127.0.0.1/32") is None  # once
    # Redirects are not followed: the signed payload cannot be bounced anywhere (metadata here).
    assert send(1, "127.0.0.1/32") == "failed"
    assert len(received) == 1
    with tenant.session() as session:
        stored = session.get(PlaybookRun, run_id)
        assert stored is not None
        assert stored.actions[0]["detail"] == f"POST {url}: HTTP 204"
        assert stored.actions[1]["detail"] == (
            f"POST {base}/to-metadata: HTTP 307 (redirects are not followed)"
        )
        assert stored.status == "partial"


def test_batch_usage_matches_the_adoption_metrics_of_each_account(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    prefix = unique("v")
    first = _with_users(client, tenant, [f"{prefix}a", f"{prefix}b"], seats=4)
    second = _with_users(client, tenant, [f"{prefix}c"], seats=1)
    idle = _with_users(client, tenant, [], seats=2)
    calls = [_track(f"{prefix}a", d) for d in (1, 2, 31, 59, 61)]
    calls += [_track(f"{prefix}b", 0.5), _track(f"{prefix}c", 45)]
    calls += [{**_track(f"{prefix}a", 3), "type": "identify"}]  # not activity
    add_events(tenant, calls, arrived=AS_OF)
    ids = [first, second, idle]
    start, end = adoption.usage_window(AS_OF)
    with tenant.session() as session:
        users = contacts.external_ids_of_accounts(session, account_ids=ids)
        with adoption.open_events(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=runtime.settings.data_dir,
            start=start,
            end=end,
        ) as connection:
            batch = accounts_usage(connection, users_by_account=users, as_of=AS_OF)
            for account_id in ids:
                one = adoption.account_adoption(
                    connection, user_ids=users[account_id], as_of=AS_OF, licensed_seats=None
                )
                assert batch[account_id].active_seats == one.active_seats
                assert batch[account_id].events_last_30_days == one.events_last_30_days
                assert batch[account_id].events_previous_30_days == one.events_previous_30_days
                assert batch[account_id].usage_trend == one.usage_trend
    assert (batch[first].active_seats, batch[first].events_last_30_days) == (2, 3)
    assert batch[first].events_previous_30_days == 2  # 31 and 59 days ago; 61 is outside
    assert batch[second].usage_trend == 0.0
    assert batch[idle].usage_trend is None
