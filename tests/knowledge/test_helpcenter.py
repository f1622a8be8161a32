"""The public help center: browsing and searching public articles in the visitor's language,
suggestions for the portal with deflection records, votes (rate-limited), and what stays hidden."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.analytics.knowledge import knowledge_kpis
from cxhub.core.db import utcnow
from cxhub.knowledge.helpcenter.models import ArticleVote, KnowledgeSearch
from cxhub.knowledge.helpcenter.service import normalise_query, record_ticket_submitted
from tests.factories import Tenant
from tests.knowledge.helpers import API, article, collection, translate


def _library(client: TestClient, tenant: Tenant) -> dict[str, int]:
    shelf = collection(client, tenant, "Cards")
    public = article(
        client,
        tenant,
        title="Activate your new card",
        body="<p>Open the app and tap activate card.</p>",
        audience="public",
        collection_id=shelf,
    )["id"]
    translate(
        client, tenant, public, "zh", title="激活新银行卡", body="<p>打开应用并点击激活。</p>"
    )
    internal = article(client, tenant, title="Card fraud escalation runbook", collection_id=shelf)[
        "id"
    ]
    draft = article(
        client, tenant, title="Card draft", audience="public", publish=False, collection_id=shelf
    )["id"]
    return {"public": public, "internal": internal, "draft": draft}


def test_visitors_browse_public_articles_in_their_language(
    client: TestClient, tenant: Tenant
) -> None:
    ids = _library(client, tenant)
    home = client.get(f"/help/{tenant.slug}", params={"lang": "en"})
    assert home.status_code == 200
    assert "Activate your new card" in home.text
    assert "runbook" not in home.text
    assert "Card draft" not in home.text
    chinese = client.get(f"/help/{tenant.slug}", headers={"Accept-Language": "zh-CN"})
    assert "激活新银行卡" in chinese.text
    assert "帮助中心" in chinese.text
    page = client.get(f"/help/{tenant.slug}/articles/{ids['public']}", params={"lang": "zh"})
    assert page.status_code == 200
    assert "打开应用并点击激活" in page.text
    assert client.get(f"/help/{tenant.slug}/articles/{ids['internal']}").status_code == 404
    assert client.get(f"/help/{tenant.slug}/articles/{ids['draft']}").status_code == 404
    assert client.get("/help/no-such-workspace").status_code == 404


def test_search_and_suggestions_record_deflection(client: TestClient, tenant: Tenant) -> None:
    ids = _library(client, tenant)
    found = client.get(f"/help/{tenant.slug}", params={"q": "activate card", "lang": "en"})
    assert f"/help/{tenant.slug}/articles/{ids['public']}" in found.text
    assert "runbook" not in found.text

    deflected = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "how to activate my card", "lang": "en"}
    ).json()
    assert [a["id"] for a in deflected["articles"]] == [ids["public"]]
    assert len(deflected["search_id"]) == 32
    client.get(deflected["articles"][0]["url"])  # the customer opens the article: deflected

    not_deflected = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "activate card", "lang": "en"}
    ).json()
    client.get(not_deflected["articles"][0]["url"])
    with tenant.session() as session:  # … but submits a ticket anyway (the portal reports it)
        record_ticket_submitted(
            session, workspace_id=tenant.workspace_id, search_id=not_deflected["search_id"]
        )
        record_ticket_submitted(session, workspace_id=tenant.workspace_id, search_id="unknown")

    gap = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "Crypto wallet?", "lang": "en"}
    ).json()
    fragment = client.get(
        f"/help/{tenant.slug}/suggest",
        params={"q": "activate card", "lang": "en"},
        headers={"HX-Request": "true"},
    )
    assert fragment.headers["content-type"].startswith("text/html")
    assert 'data-search-id="' in fragment.text
    assert "<html" not in fragment.text

    with tenant.session() as session:
        kpis = knowledge_kpis(
            session,
            workspace_id=tenant.workspace_id,
            start=utcnow() - timedelta(hours=1),
            end=utcnow() + timedelta(minutes=1),
        )
        rows = session.scalars(select(KnowledgeSearch)).all()
    assert {r.source for r in rows} == {"helpcenter", "suggest"}
    # 4 suggestion sessions: 1 opened without a ticket → 25 %
    assert (kpis.suggestion_sessions, kpis.deflected_sessions) == (4, 1)
    assert kpis.deflection_rate == 25.0
    assert kpis.customer_searches == 5
    assert kpis.successful_searches == 2
    assert normalise_query("Crypto wallet?") in [g.query for g in kpis.gaps]
    assert gap["search_id"]


def test_suggestions_fall_back_to_other_languages(client: TestClient, tenant: Tenant) -> None:
    english_only = article(
        client, tenant, title="Close your account", audience="public", body="<p>Settings.</p>"
    )["id"]
    found = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "close account", "lang": "id"}
    ).json()
    assert [a["id"] for a in found["articles"]] == [english_only]
    assert found["articles"][0]["language"] == "en"


def test_votes_are_counted_and_rate_limited(client: TestClient, tenant: Tenant) -> None:
    ids = _library(client, tenant)
    url = f"/help/{tenant.slug}/articles/{ids['public']}/vote"
    first = client.post(url, data={"helpful": "true", "lang": "en"}, follow_redirects=False)
    assert first.status_code == 303
    thanks = client.get(first.headers["location"])
    assert 'id="vote-thanks"' in thanks.text
    statuses = [
        client.post(url, data={"helpful": "false"}, follow_redirects=False).status_code
        for _ in range(12)
    ]
    assert 429 in statuses
    with tenant.session() as session:
        votes = session.scalars(select(ArticleVote)).all()
    assert 1 <= len(votes) <= 10
    assert votes[0].helpful is True
    hidden = client.post(
        f"/help/{tenant.slug}/articles/{ids['internal']}/vote",
        data={"helpful": "true"},
        follow_redirects=False,
    )
    assert hidden.status_code in (404, 429)


def test_public_files_only(client: TestClient, tenant: Tenant) -> None:
    ids = _library(client, tenant)
    uploaded = {}
    for key in ("public", "internal"):
        response = client.post(
            f"{API}/articles/{ids[key]}/files",
            files={"file": ("a.png", b"\x89PNG" + key.encode(), "image/png")},
            headers=tenant.admin,
        )
        uploaded[key] = response.json()["id"]
    public = client.get(f"/help/{tenant.slug}/files/{uploaded['public']}")
    assert public.status_code == 200
    assert public.content == b"\x89PNGpublic"
    assert client.get(f"/help/{tenant.slug}/files/{uploaded['internal']}").status_code == 404
