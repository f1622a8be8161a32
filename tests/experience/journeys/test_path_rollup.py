"""The path-prefix rollup in the database (ADR 0030) against the exact Ibis path definition
(`metrics.started_path_steps`): hand-computed cases (late arrival inside a run, repeats,
customers with fewer steps than asked, a start before the window, a step after it), a
randomized arrival order, the rebuild, page views from the scan, and erasure."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.analytics import engine
from cxhub.core.runtime import Runtime
from cxhub.experience.journeys import metrics, paths
from cxhub.experience.journeys.analytics import naive_utc, run_analytics
from cxhub.experience.journeys.models import JourneyPathPrefix
from cxhub.experience.journeys.path_prefix import collapse
from cxhub.experience.journeys.path_rebuild import rebuild_paths
from cxhub.experience.journeys.scan import scan_window
from cxhub.experience.touchpoints.service import (
    kinds_of_contacts,
    record_touchpoint,
    touchpoint_frame,
)
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant, unique
from tests.success.usage.conftest import basic, issue_write_key

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
UNTIL = datetime(2026, 4, 1, tzinfo=UTC)
H = timedelta(hours=1)
EMPTY_ENTRIES: dict[str, Sequence[Any]] = {"contact_id": [], "position": [], "entered_at": []}


def arrive(
    session: Session, tenant: Tenant, runtime: Runtime, contact_id: int, at: datetime, kind: str
) -> None:
    """Record a touchpoint and fold it in, as the `journeys.apply_touchpoint` job does."""
    record_touchpoint(
        session,
        workspace_id=tenant.workspace_id,
        contact_id=contact_id,
        account_id=None,
        channel="other",
        kind=kind,
        occurred_at=at,
        on_timeline=False,
    )
    paths.apply_touchpoints(
        session,
        workspace_id=tenant.workspace_id,
        touchpoints=[(contact_id, at, kind)],
        data_dir=runtime.settings.data_dir,
    )


def exact_and_rollup(
    session: Session,
    *,
    since: datetime = SINCE,
    until: datetime = UNTIL,
    steps: int = 3,
    web_visits: Any = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any, Any]:
    """Path counts and the shaped answer (Sankey, top paths) by the exact definition over all
    the workspace's touchpoints and by the rollup, for one window."""
    frame: dict[str, Any] = dict(
        touchpoint_frame(session, since=paths.BEGINNING, until=paths.END_OF_TIME)
    )
    frame.pop("account_id")
    frame["occurred_at"] = [naive_utc(m) for m in frame["occurred_at"]]
    touchpoints = engine.record_table(frame, metrics.TOUCHPOINT_SCHEMA)
    if web_visits is not None:
        touchpoints = touchpoints.union(web_visits, distinct=False)
    prefixes = engine.record_table(
        paths.prefix_frame(session, since=since, until=until), paths.PREFIX_SCHEMA
    )
    entries = engine.record_table(EMPTY_ENTRIES, metrics.ENTRY_SCHEMA)
    window: dict[str, Any] = {"since": naive_utc(since), "until": naive_utc(until), "steps": steps}
    names = [f"step_{n}" for n in range(steps)]

    def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: [str(r[n]) for n in names])

    with engine.connected(engine.EngineConfig()) as backend:
        exact_counts = ordered(
            backend.to_pyarrow(
                metrics.steps_path_counts(
                    metrics.started_path_steps(touchpoints, **window), steps=steps
                )
            ).to_pylist()
        )
        rollup_counts = ordered(
            backend.to_pyarrow(metrics.prefix_path_counts(prefixes, **window)).to_pylist()
        )
        common = {"stages": [{"key": "a"}], "entries": entries, "parts": ("paths",), **window}
        exact = run_analytics(backend, touchpoints=touchpoints, **common)
        rollup = run_analytics(backend, touchpoints=touchpoints, prefixes=prefixes, **common)
    return exact_counts, rollup_counts, exact, rollup


def test_hand_computed_paths_equal_the_exact_definition(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    a, b, c, d = (contact(client, tenant)["id"] for _ in range(4))
    t = SINCE + 24 * H
    with tenant.session() as session:
        for at, kind in [
            (t, "page_view"),
            (t + H, "page_view"),
            (t + 2 * H, "email_open"),
            (t + 4 * H, "call"),
            (t + 3 * H, "chat"),  # late, inside the email_open run: A is recomputed
        ]:
            arrive(session, tenant, runtime, a, at, kind)
        arrive(session, tenant, runtime, b, t, "call")
        arrive(session, tenant, runtime, b, t - H, "call")  # late, before the start: same step
        arrive(session, tenant, runtime, c, SINCE - H, "meeting")  # started before the window
        arrive(session, tenant, runtime, c, t, "call")
        arrive(session, tenant, runtime, d, t, "meeting")
        arrive(session, tenant, runtime, d, UNTIL + H, "call")  # after `until`: not yet on it
    with tenant.session() as session:
        row_a = session.scalar(select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == a))
        assert row_a is not None
        assert (row_a.step_count, row_a.step_2, row_a.step_3) == (4, "chat", "call")
        exact_counts, rollup_counts, exact, rollup = exact_and_rollup(session)
    assert rollup_counts == exact_counts
    assert {tuple(p["steps"]): p["customers"] for p in rollup.top_paths} == {
        ("page_view", "email_open", "chat"): 1,
        ("call",): 1,
        ("meeting",): 1,
    }
    assert (rollup.sankey, rollup.top_paths) == (exact.sankey, exact.top_paths)
    nodes = rollup.sankey["nodes"]
    assert sorted((n["step"], n["label"], n["customers"]) for n in nodes) == [
        (0, "call", 1),
        (0, "meeting", 1),
        (0, "page_view", 1),
        (1, "email_open", 1),
        (2, "chat", 1),
    ]


def test_randomized_arrival_equals_the_exact_definition_and_the_rebuild(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    rng = random.Random(2030)
    people = [contact(client, tenant)["id"] for _ in range(12)]
    kinds = ["page_view", "page_view", "email_open", "call", "chat", "mention"]
    arrivals = [
        (rng.choice(people), SINCE - 72 * H + rng.randint(0, 35 * 24) * H, rng.choice(kinds))
        for _ in range(160)
    ]
    arrivals += rng.sample(arrivals, k=10)  # a few sent twice
    arrivals.sort(key=lambda a: a[1] + rng.randint(-30, 2) * H)  # roughly in time, some late
    with tenant.session() as session:
        for person, at, kind in arrivals:
            arrive(session, tenant, runtime, person, at, kind)
    with tenant.session() as session:
        for since, until, steps in [
            (SINCE, UNTIL, 5),
            (SINCE - 30 * 24 * H, UNTIL, 10),
            (SINCE + 3 * 24 * H, SINCE + 20 * 24 * H, 2),
        ]:
            exact_counts, rollup_counts, exact, rollup = exact_and_rollup(
                session, since=since, until=until, steps=steps
            )
            assert rollup_counts == exact_counts
            assert sum(r["customers"] for r in rollup_counts) > 0
            assert (rollup.sankey, rollup.top_paths) == (exact.sankey, exact.top_paths)
        incremental = {
            r.contact_id: paths._prefix(r) for r in session.scalars(select(JourneyPathPrefix))
        }
        expected = {
            person: collapse([(paths.utc(at), k) for c, at, k in arrivals if c == person])
            for person in people
        }
        assert incremental == {p: v for p, v in expected.items() if v is not None}
        assert rebuild_paths(
            session, workspace_id=tenant.workspace_id, data_dir=runtime.settings.data_dir
        ) == len(incremental)
    with tenant.session() as session:
        rebuilt = {
            r.contact_id: paths._prefix(r) for r in session.scalars(select(JourneyPathPrefix))
        }
    assert rebuilt == incremental


def test_the_scan_folds_page_views_in_and_a_re_scan_changes_nothing(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    key = issue_write_key(client, tenant)
    now = datetime.now(UTC).replace(microsecond=0)
    user = unique("user-")
    person = contact(client, tenant, external_ids=[user])["id"]
    batch = [
        {
            "type": "page",
            "name": "Home",
            "messageId": unique("m"),
            "userId": user,
            "timestamp": (now - minutes * timedelta(minutes=1)).isoformat(),
        }
        for minutes in (50, 40, 10)
    ]
    response = client.post("/v1/batch", json={"batch": batch}, headers=basic(key))
    assert response.status_code == 200, response.text
    with tenant.session() as session:
        arrive(session, tenant, runtime, person, now - 30 * timedelta(minutes=1), "call")
    scan: dict[str, Any] = {
        "workspace_id": tenant.workspace_id,
        "data_dir": runtime.settings.data_dir,
        "now": now,
        "lookback": timedelta(hours=2),
    }
    fold = {"workspace_id": tenant.workspace_id, "data_dir": scan["data_dir"]}
    with tenant.session() as session, scan_window(session, **scan) as events:
        views = paths.page_views_in(events)
    with tenant.session() as session:
        assert paths.changing_page_views(session, page_views=views) == views  # no row yet
        first = paths.scan_page_views(session, page_views=views, **fold)
    with tenant.session() as session:
        again = paths.scan_page_views(session, page_views=views, **fold)
        unchanged = paths.changing_page_views(session, page_views=views)
        row = session.scalar(
            select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person)
        )
    assert len(views) == 3
    assert (first.touchpoints, first.changed) == (3, 1)
    assert (again.touchpoints, again.changed, again.recomputed) == (3, 0, 0)
    assert unchanged == []  # the preview drops what the rollup already counts
    assert row is not None
    assert [row.step_0, row.step_1, row.step_2] == ["page_view", "call", "page_view"]
    assert row.started_at == now - 50 * timedelta(minutes=1)
    folded = paths._prefix(row)
    with tenant.session() as session:  # the rebuild reads the page views from the store too
        rebuild_paths(session, workspace_id=tenant.workspace_id, data_dir=scan["data_dir"])
    with tenant.session() as session:
        rebuilt = session.scalar(
            select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person)
        )
        assert rebuilt is not None
        assert paths._prefix(rebuilt) == folded


def test_erasure_removes_the_persons_row_and_recomputes_the_placeholders(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    gone, kept = contact(client, tenant), contact(client, tenant)
    t = SINCE + 24 * H
    with tenant.session() as session:
        arrive(session, tenant, runtime, gone["id"], t, "call")
        arrive(session, tenant, runtime, gone["id"], t + H, "chat")
        arrive(session, tenant, runtime, kept["id"], t, "mention")
    erased = client.post(
        f"/api/v1/contacts/{gone['id']}/erase",
        json={"confirm": gone["id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200, erased.text
    with tenant.session() as session:
        rows = {r.contact_id: r for r in session.scalars(select(JourneyPathPrefix))}
        assert gone["id"] not in rows
        placeholder = [c for c in rows if c != kept["id"]]
        assert len(placeholder) == 1
        held = kinds_of_contacts(session, contact_ids=placeholder)
        assert paths._prefix(rows[placeholder[0]]) == collapse([(at, k) for _, at, k in held])
        assert rows[placeholder[0]].step_0 == "call"
        exact_counts, rollup_counts, _, _ = exact_and_rollup(session)
    assert rollup_counts == exact_counts


def test_recorded_and_deleted_touchpoints_reach_the_rollup_through_the_jobs(
    client: TestClient, tenant: Tenant
) -> None:
    person = contact(client, tenant)["id"]
    created = []
    for kind, at in (("call", "2026-05-01T09:00:00Z"), ("chat", "2026-05-02T09:00:00Z")):
        response = client.post(
            "/api/v1/touchpoints",
            json={"channel": "phone", "kind": kind, "occurred_at": at, "contact_id": person},
            headers=tenant.admin,
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])

    def steps() -> list[str | None]:
        with tenant.session() as session:
            row = session.scalar(
                select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person)
            )
            return [] if row is None else [row.step_0, row.step_1]

    assert steps() == ["call", "chat"]
    deleted = client.delete(f"/api/v1/touchpoints/{created[0]}", headers=tenant.admin)
    assert deleted.status_code == 204, deleted.text
    assert steps() == ["chat", None]
    client.delete(f"/api/v1/touchpoints/{created[1]}", headers=tenant.admin)
    assert steps() == []


def test_the_journeys_scan_builds_a_missing_rollup_after_an_upgrade(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    """Touchpoints recorded before migration 0030 have no rollup rows; the periodic scan job
    notices and builds them, so the paths are not empty until someone runs `rebuild-paths`."""
    from cxhub.core.jobs import JobRequest
    from cxhub.experience.journeys.path_rebuild import rollup_missing
    from cxhub.experience.journeys.tasks import SCAN

    person = contact(client, tenant)["id"]
    with tenant.session() as session:
        for hours, kind in ((0, "call"), (2, "call"), (5, "meeting")):
            record_touchpoint(  # no fold: as the rows an older version left behind
                session,
                workspace_id=tenant.workspace_id,
                contact_id=person,
                account_id=None,
                channel="other",
                kind=kind,
                occurred_at=SINCE + hours * H,
                on_timeline=False,
            )
    with tenant.session() as session:
        session.execute(
            JourneyPathPrefix.__table__.delete().where(
                JourneyPathPrefix.workspace_id == tenant.workspace_id
            )
        )
    with tenant.session() as session:
        assert rollup_missing(session, workspace_id=tenant.workspace_id)
    runtime.job_queue.submit(JobRequest(SCAN, tenant.workspace_id, {}))
    runtime.job_queue.drain()
    with tenant.session() as session:
        assert not rollup_missing(session, workspace_id=tenant.workspace_id)
        row = session.scalar(
            select(JourneyPathPrefix).where(JourneyPathPrefix.contact_id == person)
        )
        assert row is not None
        assert [row.step_0, row.step_1, row.step_2] == ["call", "meeting", None]
        assert row.started_at.replace(tzinfo=UTC) == SINCE
