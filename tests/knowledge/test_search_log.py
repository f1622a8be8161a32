"""Help-center searches and article opens are recorded by jobs, not by the GET requests, and
nothing recorded is lost or changed whatever order the jobs run in (the deflection measure
stays exact)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.analytics.knowledge import knowledge_kpis
from cxhub.core.db import utcnow
from cxhub.core.jobs import InProcessJobQueue
from cxhub.knowledge.helpcenter import search_log
from cxhub.knowledge.helpcenter.models import KnowledgeSearch
from tests.factories import Tenant, make_tenant
from tests.knowledge.test_helpcenter import _library

SECRET = "test-secret"


def _rows(tenant: Tenant) -> list[KnowledgeSearch]:
    with tenant.session() as session:
        rows = list(session.scalars(select(KnowledgeSearch).order_by(KnowledgeSearch.id)))
        session.expunge_all()
    return rows


def test_search_ids_are_signed_per_workspace() -> None:
    made = search_log.new_search_id(SECRET, workspace_id=7)
    assert len(made) == 32
    assert search_log.valid_search_id(SECRET, workspace_id=7, search_id=made)
    assert not search_log.valid_search_id(SECRET, workspace_id=8, search_id=made)
    assert not search_log.valid_search_id("other", workspace_id=7, search_id=made)
    flipped = made[:-1] + ("1" if made[-1] == "0" else "0")
    assert not search_log.valid_search_id(SECRET, workspace_id=7, search_id=flipped)
    assert not search_log.valid_search_id(SECRET, workspace_id=7, search_id="short")


def test_every_order_of_the_jobs_gives_the_same_rows(client: TestClient, tenant: Tenant) -> None:
    article_id = _library(client, tenant)["public"]
    now = utcnow()
    steps = ("search", "opened", "submitted")
    ids = []
    for order in itertools.permutations(steps):
        search_id = search_log.new_search_id(SECRET, workspace_id=tenant.workspace_id)
        ids.append(search_id)
        entry = search_log.SearchLogEntry(
            workspace_id=tenant.workspace_id,
            public_id=search_id,
            source="suggest",
            query="Card declined",
            query_key="card declined",
            language="en",
            result_count=2,
            created_at=now - timedelta(minutes=5),
        )
        for step in order:
            with tenant.session() as session:
                if step == "search":
                    search_log.run_record_search(session, entry.payload())
                elif step == "opened":
                    search_log.store_opened(
                        session,
                        workspace_id=tenant.workspace_id,
                        search_id=search_id,
                        article_id=article_id,
                        opened_at=now - timedelta(minutes=4),
                    )
                else:
                    search_log.store_ticket_submitted(
                        session,
                        workspace_id=tenant.workspace_id,
                        search_id=search_id,
                        submitted_at=now - timedelta(minutes=1),
                    )
    rows = _rows(tenant)
    assert [r.public_id for r in rows] == ids
    for row in rows:
        assert (row.source, row.query, row.query_key, row.result_count) == (
            "suggest",
            "Card declined",
            "card declined",
            2,
        )
        assert row.opened_article_id == article_id
        assert row.ticket_submitted_at is not None
        assert row.created_at == now - timedelta(minutes=5)
    with tenant.session() as session:
        kpis = knowledge_kpis(
            session,
            workspace_id=tenant.workspace_id,
            start=now - timedelta(hours=1),
            end=now + timedelta(minutes=1),
        )
    assert (kpis.suggestion_sessions, kpis.deflected_sessions) == (6, 0)


def test_an_opened_search_without_its_search_row_is_not_counted(
    client: TestClient, tenant: Tenant
) -> None:
    article_id = _library(client, tenant)["public"]
    search_id = search_log.new_search_id(SECRET, workspace_id=tenant.workspace_id)
    with tenant.session() as session:
        search_log.store_opened(
            session,
            workspace_id=tenant.workspace_id,
            search_id=search_id,
            article_id=article_id,
            opened_at=utcnow(),
        )
    with tenant.session() as session:
        kpis = knowledge_kpis(
            session,
            workspace_id=tenant.workspace_id,
            start=utcnow() - timedelta(hours=1),
            end=utcnow() + timedelta(minutes=1),
        )
    assert (kpis.customer_searches, kpis.suggestion_sessions, kpis.gaps) == (0, 0, [])


class _CountingFactory:
    """Wraps the runtime's session factory: counts writing sessions (those not bound to the
    read-only engine) that requests open."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.writers = 0

    def __call__(self, **kwargs: Any) -> Any:
        if "bind" not in kwargs:
            self.writers += 1
        return self.factory(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.factory, name)


def test_help_center_gets_open_no_writing_session(client: TestClient, tenant: Tenant) -> None:
    ids = _library(client, tenant)
    runtime = tenant.runtime
    original = runtime.session_factory
    counting = _CountingFactory(original)
    runtime.session_factory = counting  # type: ignore[assignment]
    try:
        found = client.get(
            f"/help/{tenant.slug}/suggest", params={"q": "activate card", "lang": "en"}
        ).json()
        assert client.get(found["articles"][0]["url"]).status_code == 200
        assert client.get(f"/help/{tenant.slug}", params={"q": "card"}).status_code == 200
        searched = client.get(
            "/api/v1/knowledge/search", params={"q": "card"}, headers=tenant.admin
        )
        assert searched.status_code == 200
    finally:
        runtime.session_factory = original
    assert counting.writers == 0
    rows = _rows(tenant)  # yet all three searches and the open were recorded (by jobs)
    assert sorted(r.source for r in rows) == ["agent", "helpcenter", "suggest"]
    assert [r.opened_article_id for r in rows if r.source == "suggest"] == [ids["public"]]


def test_forged_or_foreign_search_ids_record_nothing(client: TestClient, tenant: Tenant) -> None:
    ids = _library(client, tenant)
    other = make_tenant(tenant.runtime)
    foreign = search_log.new_search_id(
        tenant.runtime.settings.secret_key, workspace_id=other.workspace_id
    )
    for sid in ("0" * 32, foreign, "not-an-id"):
        page = client.get(
            f"/help/{tenant.slug}/articles/{ids['public']}", params={"lang": "en", "sid": sid}
        )
        assert page.status_code == 200
    assert _rows(tenant) == []


def test_concurrent_searches_and_opens_are_all_recorded(client: TestClient, tenant: Tenant) -> None:
    """40 suggestion requests and 40 opens from 8 threads, recorded by the in-process worker
    (jobs in a queue, as in production): every search and every open is there."""
    ids = _library(client, tenant)
    runtime = tenant.runtime
    sync_queue = runtime.job_queue
    worker = InProcessJobQueue(runtime.jobs, runtime.session_factory)
    runtime.job_queue = worker
    try:

        def visit(n: int) -> str:
            found = client.get(
                f"/help/{tenant.slug}/suggest", params={"q": f"activate card {n}", "lang": "en"}
            ).json()
            opened = client.get(found["articles"][0]["url"])
            assert opened.status_code == 200
            return str(found["search_id"])

        with ThreadPoolExecutor(8) as pool:
            search_ids = set(pool.map(visit, range(40)))
        worker.drain(timeout=60)
    finally:
        worker.shutdown()
        runtime.job_queue = sync_queue
    assert worker.failed == 0
    rows = _rows(tenant)
    assert {r.public_id for r in rows} == search_ids
    assert len(rows) == 40
    assert all(r.source == "suggest" and r.opened_article_id == ids["public"] for r in rows)
    with tenant.session() as session:
        pending = session.scalar(
            select(func.count()).where(KnowledgeSearch.source == search_log.PENDING)
        )
    assert pending == 0
