"""The stored expansion snapshot (ADR 0044): it answers what a computation answers, for the
rest of its UTC day, until the catalogue or a subscription changes; the later of two
computations is kept; the periodic job and `POST /expansion/refresh` store it; deleting an
account takes its rows; the next-best-action queue reads seat and add-on actions from it.

Scenario: `tests.success.test_expansion_api` ("Busy" and five similar accounts, usage before
2026-06-01)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from cxhub.core.db import workspace_session_info
from cxhub.core.jobs import JobRequest
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.experience.nextaction import service as next_actions
from cxhub.experience.nextaction.rules import ActionKind
from cxhub.success.expansion import service, snapshot
from cxhub.success.expansion.models import ExpansionOpportunityRecord, ExpansionSnapshot
from cxhub.success.expansion.tasks import CHANGED_AT, REFRESH, REFRESH_SECONDS
from cxhub.success.subscriptions.models import Subscription
from tests.factories import Tenant
from tests.knowledge.helpers import article
from tests.success.test_expansion_api import API, AS_OF, _track, scenario
from tests.success.usage.test_compaction import add_events

__all__ = ["scenario"]  # fixture used below


def _read(runtime: Runtime, tenant: Tenant, **options: Any) -> service.ExpansionReport:
    """What the pages and routes ask without an explicit moment, in a request's read-only
    session: the stored snapshot."""
    with runtime.reading(workspace_session_info(tenant.workspace_id)) as session:
        return service.opportunities(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=runtime.settings.data_dir,
            stored=True,
            writer=runtime.session_factory,
            **options,
        )


def _compute(runtime: Runtime, tenant: Tenant, **options: Any) -> service.ExpansionReport:
    with tenant.session() as session:
        return service.opportunities(
            session, workspace_id=tenant.workspace_id, data_dir=runtime.settings.data_dir, **options
        )


def _upgrade_use(report: service.ExpansionReport, account_id: int) -> int:
    upgrade = next(
        o for o in report.opportunities if o.account_id == account_id and o.action == "upgrade_plan"
    )
    return int(upgrade.reasons[0].evidence["used"])


@pytest.fixture
def no_snapshot(tenant: Tenant, scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario without the snapshot its subscription events stored (of today, which is
    later than the scenario's moment and so would be kept over it)."""
    with tenant.session() as session:
        session.execute(delete(ExpansionOpportunityRecord))
        session.execute(delete(ExpansionSnapshot))
    return scenario


def _stored_rows(tenant: Tenant) -> int:
    with tenant.session() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    ExpansionOpportunityRecord.workspace_id == tenant.workspace_id
                )
            )
            or 0
        )


def test_the_snapshot_answers_as_computed_for_the_rest_of_the_day(
    runtime: Runtime, tenant: Tenant, no_snapshot: dict[str, Any]
) -> None:
    scenario = no_snapshot
    first = _read(runtime, tenant, as_of=AS_OF)
    live = _compute(runtime, tenant, as_of=AS_OF)
    assert first.computed_at is not None
    assert live.computed_at is None
    assert first.opportunities == live.opportunities  # reasons and evidence included
    assert (first.total, first.arr_upside_cents) == (live.total, live.arr_upside_cents)
    assert _stored_rows(tenant) == live.total == 6  # Busy: upgrade, sso, seats; 3 peers: sso

    # Read back from the rows: the same opportunities, filters and totals as computed.
    again = _read(runtime, tenant, as_of=AS_OF + timedelta(minutes=5))
    assert again.computed_at == first.computed_at
    assert again.as_of == AS_OF
    assert again.opportunities == live.opportunities
    assert again.account_names == live.account_names
    for options in (
        {"actions": {"add_on"}},
        {"actions": {"add_seats", "upgrade_plan"}, "limit": 1},
        {"account_id": scenario["busy"]},
        {"account_id": scenario["peer_without_sso"], "actions": {"add_seats"}},
    ):
        stored = _read(runtime, tenant, as_of=AS_OF + timedelta(minutes=5), **options)
        computed = _compute(runtime, tenant, as_of=AS_OF, **options)
        assert stored.computed_at == first.computed_at, options
        assert stored.opportunities == computed.opportunities, options
        assert (stored.total, stored.arr_upside_cents) == (
            computed.total,
            computed.arr_upside_cents,
        )
        # the next-best-action panels' read: the same page, no names, the page's totals
        for page_only in (
            _read(runtime, tenant, as_of=AS_OF + timedelta(minutes=5), page_only=True, **options),
            _compute(runtime, tenant, as_of=AS_OF, page_only=True, **options),
        ):
            assert page_only.opportunities == computed.opportunities, options
            assert page_only.account_names == {}
            assert page_only.total == len(computed.opportunities)
            assert page_only.arr_upside_cents == sum(
                o.arr_upside_cents or 0 for o in computed.opportunities
            )

    # Usage that arrives later that day is not in it (the window moves by days) ...
    busy, user = scenario["busy"], scenario["busy_user"]
    later = AS_OF + timedelta(hours=2)
    add_events(tenant, [_track(user, "report.exported", -1) for _ in range(5)])  # 1 h after AS_OF
    assert _upgrade_use(_compute(runtime, tenant, as_of=later), busy) == 95
    assert _upgrade_use(_read(runtime, tenant, as_of=later), busy) == 90

    # ... until a subscription changes: then it is computed again, with that usage.
    peer = scenario["peer_without_sso"]
    with tenant.session() as session:
        session.add(
            Subscription(
                workspace_id=tenant.workspace_id, account_id=peer, plan="sso", currency="EUR",
                mrr_cents=2_000, started_on=AS_OF.date() - timedelta(days=30),
            )
        )  # fmt: skip
    renewed = _read(runtime, tenant, as_of=later)
    assert renewed.as_of == later
    assert renewed.computed_at != first.computed_at
    assert _upgrade_use(renewed, busy) == 95
    assert not [o for o in renewed.opportunities if o.account_id == peer and o.target == "sso"]

    # The next day it is computed again too, and a moment before the snapshot never reads it.
    assert _read(runtime, tenant, as_of=AS_OF + timedelta(days=1)).as_of == AS_OF + timedelta(1)
    earlier = _read(runtime, tenant, as_of=AS_OF + timedelta(hours=20))
    assert earlier.as_of == AS_OF + timedelta(hours=20)
    assert earlier.computed_at is None  # not stored: a later one is


def test_the_later_computation_is_kept(
    runtime: Runtime, tenant: Tenant, no_snapshot: dict[str, Any]
) -> None:
    with tenant.session() as session:
        late = service.compute(
            session,
            workspace_id=tenant.workspace_id,
            as_of=AS_OF,
            data_dir=runtime.settings.data_dir,
        )
        early = service.compute(
            session,
            workspace_id=tenant.workspace_id,
            as_of=AS_OF - timedelta(days=20),
            data_dir=runtime.settings.data_dir,
        )
        inputs = snapshot.inputs_fingerprint(session, workspace_id=tenant.workspace_id)
    assert len(late.opportunities) != len(early.opportunities)  # the usage left the window
    with tenant.session() as session:
        stored = {"workspace_id": tenant.workspace_id, "inputs": inputs, "now": AS_OF}
        assert snapshot.store(session, computed=late, **stored)
        assert not snapshot.store(session, computed=early, **stored)
    with tenant.session() as session:
        header = session.scalar(select(ExpansionSnapshot))
        assert header is not None
        assert header.as_of == AS_OF
        assert header.opportunities == len(late.opportunities)
    assert _stored_rows(tenant) == len(late.opportunities)


def test_subscription_changes_refresh_the_snapshot_and_deletions_take_its_rows(
    client: TestClient, runtime: Runtime, tenant: Tenant, scenario: dict[str, Any]
) -> None:
    """A subscription sold through the API refreshes the snapshot through its event, before
    anyone reads it. Today only the add-on rule finds anything (the usage is months old)."""
    busy = scenario["busy"]

    def header() -> ExpansionSnapshot:
        with tenant.session() as session:
            found = session.scalar(select(ExpansionSnapshot))
            inputs = snapshot.inputs_fingerprint(session, workspace_id=tenant.workspace_id)
        assert found is not None
        assert found.inputs == inputs  # it reflects every subscription
        return found

    def rows_of(account_id: int) -> int:
        with tenant.session() as session:
            return int(
                session.scalar(
                    select(func.count()).where(ExpansionOpportunityRecord.account_id == account_id)
                )
                or 0
            )

    assert client.get(f"{API}/expansion", headers=tenant.admin).json()["total"] == 4
    stored = header()
    assert stored.opportunities == 4
    assert rows_of(busy) == 1
    sold = {"account_id": busy, "currency": "EUR", "started_on": "2026-01-01", "plan": "sso"}
    response = client.post(
        f"{API}/subscriptions", json=sold | {"mrr_cents": 2_000}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    refreshed = header()
    assert refreshed.computed_at > stored.computed_at
    assert refreshed.opportunities == 3
    assert rows_of(busy) == 0

    peer = scenario["peer_without_sso"]
    assert rows_of(peer) == 1
    response = client.delete(f"{API}/accounts/{peer}", headers=tenant.admin)
    assert response.status_code == 204, response.text
    assert rows_of(peer) == 0


def test_routes_read_the_snapshot_until_a_subscription_changes(
    client: TestClient, tenant: Tenant, scenario: dict[str, Any]
) -> None:
    """Without `as_of` (now, months after the scenario's usage) only the add-on rule finds
    anything: Busy and the three peers without sso."""
    first = client.get(f"{API}/expansion", headers=tenant.admin).json()
    assert first["computed_at"] is not None
    assert sorted(o["target"] for o in first["opportunities"]) == ["sso"] * 4
    second = client.get(f"{API}/expansion", headers=tenant.admin).json()
    assert second["computed_at"] == first["computed_at"]
    assert second["opportunities"] == first["opportunities"]
    busy = scenario["busy"]
    own = client.get(f"{API}/accounts/{busy}/expansion", headers=tenant.admin).json()
    assert own["computed_at"] == first["computed_at"]
    assert [o["target"] for o in own["opportunities"]] == ["sso"]
    explicit = client.get(
        f"{API}/expansion", params={"as_of": AS_OF.isoformat()}, headers=tenant.admin
    ).json()
    assert explicit["computed_at"] is None
    assert explicit["total"] == 6

    sold = {"account_id": busy, "currency": "EUR", "started_on": "2026-01-01", "plan": "sso"}
    response = client.post(
        f"{API}/subscriptions", json=sold | {"mrr_cents": 2_000}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    after = client.get(f"{API}/accounts/{busy}/expansion", headers=tenant.admin).json()
    assert after["computed_at"] != first["computed_at"]
    assert after["opportunities"] == []

    denied = client.post(f"{API}/expansion/refresh", headers=tenant.headers(Role.VIEWER))
    assert denied.status_code == 403
    refreshed = client.post(f"{API}/expansion/refresh", headers=tenant.admin)
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert (body["accounts_considered"], body["opportunities"], body["currency"]) == (6, 3, "EUR")
    listed = client.get(f"{API}/expansion", headers=tenant.admin).json()
    assert listed["computed_at"] > after["computed_at"]
    assert listed["total"] == 3
    # what the refresh cost, as it reported it, read back from the snapshot
    assert listed["compute_seconds"] == round(body["compute_seconds"], 3) > 0
    assert explicit["compute_seconds"] > 0  # an explicit moment: this request's computation


def test_the_periodic_job_stores_the_snapshot(
    runtime: Runtime, tenant: Tenant, scenario: dict[str, Any]
) -> None:
    assert runtime.scheduler is not None
    assert any(
        t.job_name == REFRESH and t.every_seconds == REFRESH_SECONDS
        for t in runtime.scheduler.tasks
    )
    with tenant.session() as session:  # the one the scenario's subscription events stored
        session.execute(delete(ExpansionOpportunityRecord))
        session.execute(delete(ExpansionSnapshot))
    runtime.job_queue.submit(JobRequest(REFRESH, tenant.workspace_id, {}))
    with tenant.session() as session:
        header = session.scalar(select(ExpansionSnapshot))
    assert header is not None
    assert header.opportunities == 4 == _stored_rows(tenant)
    assert header.accounts_considered == 6


def _store_at(runtime: Runtime, tenant: Tenant, as_of: Any) -> None:
    with tenant.session() as session:
        computed = service.compute(
            session,
            workspace_id=tenant.workspace_id,
            as_of=as_of,
            data_dir=runtime.settings.data_dir,
        )
        inputs = snapshot.inputs_fingerprint(session, workspace_id=tenant.workspace_id)
        assert snapshot.store(
            session, workspace_id=tenant.workspace_id, computed=computed, inputs=inputs, now=as_of
        )


def test_the_workspace_queue_offers_seats_and_guides_from_the_snapshot(
    client: TestClient, runtime: Runtime, tenant: Tenant, no_snapshot: dict[str, Any]
) -> None:
    """Busy uses 4 of 4 seats and lacks the sso add-on 2 of its 5 similar accounts use; a
    published article about SSO is the guide. The queue reads the stored rows: once Busy's
    seat row is gone from them, so is its seat action."""
    found = article(client, tenant, title="Set up SSO single sign-on", body="<p>sso steps</p>")
    _store_at(runtime, tenant, AS_OF)
    busy = no_snapshot["busy"]

    def queue() -> list[Any]:
        with runtime.reading(workspace_session_info(tenant.workspace_id)) as session:
            return next_actions.next_actions(
                session,
                workspace_id=tenant.workspace_id,
                customer=next_actions.Customer(),
                now=AS_OF + timedelta(hours=1),
                data_dir=runtime.settings.data_dir,
                writer=runtime.session_factory,
            )

    actions = queue()
    seats = [a for a in actions if a.kind == ActionKind.OFFER_EXPANSION]
    assert [(a.account_id, a.facts["active"], a.facts["licensed"]) for a in seats] == [(busy, 4, 4)]
    guides = [a for a in actions if a.kind == ActionKind.SEND_GUIDE]
    assert sorted(a.account_id for a in guides) == sorted(
        [busy, *(a for a in _sso_peers(tenant) if a != busy)]
    )
    assert {a.facts["article_id"] for a in guides} == {found["id"]}
    with tenant.session() as session:
        session.execute(
            delete(ExpansionOpportunityRecord).where(
                ExpansionOpportunityRecord.account_id == busy,
                ExpansionOpportunityRecord.action == "add_seats",
            )
        )
    assert not [a for a in queue() if a.kind == ActionKind.OFFER_EXPANSION]


def _sso_peers(tenant: Tenant) -> list[int]:
    with tenant.session() as session:
        return list(
            session.scalars(
                select(ExpansionOpportunityRecord.account_id).where(
                    ExpansionOpportunityRecord.target == "sso"
                )
            )
        )


def test_another_workspace_never_reads_the_snapshot(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, scenario: dict[str, Any]
) -> None:
    mine = client.get(f"{API}/expansion", headers=tenant.admin).json()
    assert mine["total"] == 4
    theirs = client.get(f"{API}/expansion", headers=other_tenant.admin).json()
    assert (theirs["total"], theirs["accounts_considered"], theirs["opportunities"]) == (0, 0, [])
    gone = client.get(f"{API}/accounts/{scenario['busy']}/expansion", headers=other_tenant.admin)
    assert gone.status_code == 404


def test_an_event_refresh_is_skipped_when_the_snapshot_is_newer(
    runtime: Runtime, tenant: Tenant, no_snapshot: dict[str, Any]
) -> None:
    _store_at(runtime, tenant, AS_OF)

    def stored_as_of() -> Any:
        with tenant.session() as session:
            header = snapshot.stored(session, workspace_id=tenant.workspace_id)
            assert header is not None
            return header.as_of

    older = (AS_OF - timedelta(minutes=1)).isoformat()
    runtime.job_queue.submit(JobRequest(REFRESH, tenant.workspace_id, {CHANGED_AT: older}))
    assert stored_as_of() == AS_OF  # the snapshot already saw that change
    later = (AS_OF + timedelta(minutes=1)).isoformat()
    runtime.job_queue.submit(JobRequest(REFRESH, tenant.workspace_id, {CHANGED_AT: later}))
    assert stored_as_of() > AS_OF + timedelta(days=100)  # computed again, now


def test_readers_get_a_snapshot_outdated_by_the_day_while_this_process_computes(
    runtime: Runtime, tenant: Tenant, no_snapshot: dict[str, Any]
) -> None:
    """Midnight: the stored snapshot is only a day old, and while this process computes the
    new one, readers get it. After a subscription change they compute: what was just sold
    must not be offered."""
    _store_at(runtime, tenant, AS_OF)
    later = AS_OF + timedelta(days=1)
    computing = service._computing(tenant.workspace_id)
    assert computing.acquire(blocking=False)
    try:
        meanwhile = _read(runtime, tenant, as_of=later)
        assert meanwhile.as_of == AS_OF
        assert meanwhile.total == 6
        with tenant.session() as session:
            session.add(
                Subscription(
                    workspace_id=tenant.workspace_id, account_id=no_snapshot["busy"], plan="sso",
                    currency="EUR", mrr_cents=2_000, started_on=AS_OF.date() - timedelta(days=9),
                )
            )  # fmt: skip
        sold = _read(runtime, tenant, as_of=AS_OF + timedelta(hours=1))
        assert sold.as_of == AS_OF + timedelta(hours=1)  # computed, not the stored one
        assert not [
            o
            for o in sold.opportunities
            if o.target == "sso" and o.account_id == no_snapshot["busy"]
        ]
    finally:
        computing.release()
    after = _read(runtime, tenant, as_of=later)
    assert after.as_of == later
    assert after.computed_at is not None


def test_the_workspace_queue_offers_seats_and_guides(
    runtime: Runtime, tenant: Tenant, scenario: dict[str, Any]
) -> None:
    with tenant.session() as session:
        actions = next_actions.next_actions(
            session,
            workspace_id=tenant.workspace_id,
            customer=next_actions.Customer(),
            now=AS_OF,
            data_dir=runtime.settings.data_dir,
        )
    seats = [a for a in actions if a.kind == ActionKind.OFFER_EXPANSION]
    assert [(a.account_id, a.facts["active"], a.facts["licensed"]) for a in seats] == [
        (scenario["busy"], 4, 4)
    ]
