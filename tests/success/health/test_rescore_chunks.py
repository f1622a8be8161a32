"""The rescore written a chunk of accounts per transaction (`between_chunks`, ADR 0040): each
chunk is committed and visible before the next, and the stored day is the one-transaction
rescore's, row for row, whatever the chunk size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.runtime import Runtime
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.health.models import AccountHealthScore
from cxhub.success.health.rescore import rescore_workspace
from tests.factories import Tenant, unique

API = "/api/v1"


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


def _scorecard() -> dict[str, Any]:
    return {
        "components": [
            {
                "metric": "billing_status",
                "weight": 60,
                "points": [{"value": 0, "score": 0}, {"value": 1, "score": 100}],
            },
            {
                "metric": "support_load",
                "weight": 40,
                "points": [{"value": 0, "score": 100}, {"value": 3, "score": 0}],
            },
        ]
    }


def _day_rows(tenant: Tenant, day: Any) -> list[tuple[int, int, float | None, str | None, Any]]:
    with tenant.session() as session:
        rows = session.execute(
            select(
                AccountHealthScore.account_id,
                AccountHealthScore.scorecard_id,
                AccountHealthScore.score,
                AccountHealthScore.band,
                AccountHealthScore.components,
            )
            .where(AccountHealthScore.day == day)
            .order_by(AccountHealthScore.scorecard_id, AccountHealthScore.account_id)
        ).all()
    return [tuple(r) for r in rows]


def test_chunked_rescore_commits_each_chunk_and_stores_what_one_transaction_stores(
    client: TestClient, runtime: Runtime, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"name": "Billing", "definition": _scorecard(), "is_default": True}
    assert client.post(f"{API}/health/scorecards", json=body, headers=tenant.admin).is_success
    accounts: list[int] = []
    subscriptions: list[int] = []
    for n in range(7):
        account_id = _post(client, tenant, "/accounts", {"name": unique("A ")})
        accounts.append(account_id)
        subscription = {"account_id": account_id, "plan": "pro", "currency": "EUR",
                        "mrr_cents": 5_000, "started_on": "2026-01-01"}  # fmt: skip
        subscriptions.append(_post(client, tenant, "/subscriptions", subscription))
        contact = {"first_name": "Bo", "emails": [f"{unique('p')}@x.org"], "account_id": account_id}
        contact_id = _post(client, tenant, "/contacts", contact)
        for _ in range(n % 4):
            ticket = {"subject": "s", "description": "d", "requester_id": contact_id}
            _post(client, tenant, "/tickets", ticket | {"priority": "urgent"})
    week_ago = datetime.now(UTC) - timedelta(days=7)
    with tenant.session() as session:
        rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=week_ago,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    for subscription_id in subscriptions[::2]:  # four accounts lose their billing points
        cancel = client.post(
            f"{API}/subscriptions/{subscription_id}/cancel",
            json={"ended_on": (week_ago + timedelta(days=1)).date().isoformat()},
            headers=tenant.admin,
        )
        assert cancel.status_code == 200, cancel.text
    seen: list[HealthBandChanged] = []
    runtime.events.subscribe(HealthBandChanged, seen.append)
    as_of = datetime.now(UTC)
    visible: list[int] = []
    delivered: list[int] = []

    import cxhub.success.health.rescore as rescore_module

    in_transaction: list[bool] = []
    real_score_columns = rescore_module.score_columns

    with tenant.session() as session:

        def score_columns_spy(*args: Any, **kwargs: Any) -> Any:
            in_transaction.append(session.in_transaction())
            return real_score_columns(*args, **kwargs)

        monkeypatch.setattr(rescore_module, "score_columns", score_columns_spy)

        def commit_and_look() -> None:
            session.commit()
            delivered.append(len(seen))
            with tenant.session() as other:  # another connection sees the chunk committed
                visible.append(
                    other.scalar(select(func.count()).where(AccountHealthScore.day == as_of.date()))
                    or 0
                )

        chunked = rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir, between_chunks=commit_and_look, chunk_size=3,
        )  # fmt: skip
        monkeypatch.undo()
    # Scoring runs outside a transaction (on SQLite a writer's transaction holds the write lock).
    assert in_transaction
    assert not any(in_transaction)
    cards = len({r[1] for r in _day_rows(tenant, as_of.date())})
    assert cards >= 1
    # A commit once the scorecards are read, then 7 accounts in chunks of 3: 3, 6, 7 rows of
    # the day after each commit, per scorecard.
    expected = [0] + [done + card * 7 for card in range(cards) for done in (3, 6, 7)]
    assert visible == expected
    # Band changes go out with their chunk's commit, not all with the first.
    assert delivered == sorted(delivered)
    assert delivered[0] == 0
    assert 1 <= delivered[1] < delivered[-1]
    assert delivered[-1] == len(seen) == chunked.band_changes
    assert chunked.scored == 7 * cards
    stored = _day_rows(tenant, as_of.date())

    with tenant.session() as session:  # the same day again, in one transaction
        whole = rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    assert _day_rows(tenant, as_of.date()) == stored
    assert (whole.scored, whole.insufficient_data) == (chunked.scored, chunked.insufficient_data)
    assert sorted({r[0] for r in stored}) == accounts
    assert len({r[3] for r in stored}) >= 2  # the scores differ between accounts

    with tenant.session() as session:  # and chunked over a scored day: still one row each
        rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir, between_chunks=session.commit, chunk_size=2,
        )  # fmt: skip
    assert _day_rows(tenant, as_of.date()) == stored


def test_accounts_deleted_during_a_chunked_rescore_are_skipped(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    """An account deleted after the inputs were read gets no row (its foreign key would fail
    its chunk) and the run completes; the others are all scored."""
    from sqlalchemy import delete

    from cxhub.customers.accounts.models import Account

    accounts = [_post(client, tenant, "/accounts", {"name": unique("A ")}) for _ in range(5)]
    as_of = datetime.now(UTC)
    calls = 0

    with tenant.session() as session:

        def commit_then_delete_the_last_account() -> None:
            nonlocal calls
            session.commit()
            calls += 1
            if calls == 2:  # after the first chunk: the last chunk's account goes
                with tenant.session() as other:
                    other.execute(delete(Account).where(Account.id == accounts[-1]))

        summary = rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
            between_chunks=commit_then_delete_the_last_account, chunk_size=2,
        )  # fmt: skip
    assert calls == 4  # once the scorecards are read, then chunks of 2, 2 and 1 accounts
    assert summary.scored == 5  # scored from the inputs; the write skipped the deleted one
    assert sorted({r[0] for r in _day_rows(tenant, as_of.date())}) == accounts[:4]


def test_chunked_rescore_of_an_empty_workspace(runtime: Runtime, tenant: Tenant) -> None:
    calls: list[int] = []
    as_of = datetime.now(UTC)
    with tenant.session() as session:
        summary = rescore_workspace(
            session, workspace_id=tenant.workspace_id, as_of=as_of,
            data_dir=runtime.settings.data_dir,
            between_chunks=lambda: calls.append(1) or session.commit(), chunk_size=3,
        )  # fmt: skip
        with pytest.raises(ValueError, match="chunk_size"):
            rescore_workspace(
                session, workspace_id=tenant.workspace_id, as_of=as_of,
                data_dir=runtime.settings.data_dir, between_chunks=session.commit, chunk_size=0,
            )  # fmt: skip
    assert (summary.scored, summary.band_changes) == (0, 0)
    assert len(calls) == 2  # once the scorecards are read, once for the (empty) chunk
    assert _day_rows(tenant, as_of.date()) == []
