"""Verification: the periodic check flags due articles once, reminds the owner (in-app
notification, e-mail when a mailbox exists) and agents see the flag until someone verifies."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import utcnow
from cxhub.core.events import DomainEvent
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.knowledge.articles.events import ArticleVerificationDue
from cxhub.knowledge.articles.tasks import CHECK_VERIFICATION, run_check_verification
from cxhub.service.automations.models import UserNotification
from tests.factories import Tenant
from tests.knowledge.helpers import API, article


def test_due_articles_are_flagged_once_and_the_owner_reminded(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    seen: list[DomainEvent] = []
    runtime.events.subscribe(
        ArticleVerificationDue,
        lambda e: seen.append(e) if e.workspace_id == tenant.workspace_id else None,
    )
    owner = tenant.user_ids[Role.AGENT]
    due = article(client, tenant, title="Refund policy", verify_every_days=7, owner_id=owner)
    fresh = article(client, tenant, title="Opening hours", verify_every_days=365)
    assert CHECK_VERIFICATION in runtime.jobs.names()
    later = utcnow() + timedelta(days=8)
    with tenant.session() as session:
        run_check_verification(session, {"at": later.isoformat()})
    with tenant.session() as session:
        run_check_verification(session, {"at": (later + timedelta(hours=1)).isoformat()})
    assert [e.article_id for e in seen] == [due["id"]]  # reminded once, not every hour
    with tenant.session() as session:
        notes = session.scalars(
            select(UserNotification).where(UserNotification.user_id == owner)
        ).all()
    assert len(notes) == 1
    assert "Refund policy" in notes[0].subject
    # the owner sees it in their notifications
    mine = client.get("/api/v1/me/notifications", headers=tenant.headers(Role.AGENT)).json()
    assert any("Refund policy" in n["subject"] for n in mine)

    # agents see the flag (here: the due date has not passed in real time yet, so move it)
    with tenant.session() as session:
        from cxhub.knowledge.articles.models import KnowledgeArticle

        row = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.id == due["id"]))
        assert row is not None
        assert row.verification_flagged_at is not None
        row.verification_due_at = utcnow() - timedelta(minutes=1)
    flagged = client.get(
        f"{API}/articles", params={"needs_verification": "true"}, headers=tenant.admin
    ).json()
    assert [a["id"] for a in flagged["items"]] == [due["id"]]
    page = client.get(f"/knowledge/articles/{due['id']}", headers=tenant.admin)
    assert 'id="kb-unverified"' in page.text
    verified = client.post(f"{API}/articles/{due['id']}/verify", headers=tenant.headers(Role.AGENT))
    assert verified.status_code == 200
    assert verified.json()["needs_verification"] is False
    assert verified.json()["verified_at"] is not None
    assert fresh["needs_verification"] is False
    denied = client.post(f"{API}/articles/{due['id']}/verify", headers=tenant.headers(Role.VIEWER))
    assert denied.status_code == 403
