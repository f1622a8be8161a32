"""The public help center, `/help/<workspace slug>`: no sign-in, in the visitor's language.

Only public articles with a published version are shown. Searches (the page's search box and
the suggestion endpoint the customer portal calls while a customer types a ticket subject) are
recorded with a `search_id`; links from results carry it (`?sid=`) so opening an article is
recorded against the search (deflection, docs/metrics.md). Votes and suggestions are
rate-limited per client address (`core.ratelimit`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import NotFound
from cxhub.core.ratelimit import RateLimiter
from cxhub.core.tenancy import Workspace
from cxhub.knowledge.articles.api import file_response
from cxhub.knowledge.articles.files import file_store, get_file
from cxhub.knowledge.articles.models import ARTICLE_LANGUAGES, Audience, KnowledgeArticle
from cxhub.knowledge.helpcenter import search_log, service
from cxhub.knowledge.helpcenter.service import SearchSource
from cxhub.web.shell import render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

MAX_QUERY_CHARS = 500
SUGGESTIONS = 5
#: Per client address: votes (10 a minute) and searches/suggestions (120 a minute).
VOTES_PER_MINUTE = 10
SEARCHES_PER_MINUTE = 120


def _limiter(request: Request, name: str, capacity: int) -> RateLimiter:
    """One limiter per app (kept on its state), so tests and apps never share buckets."""
    state = request.app.state
    limiter = getattr(state, name, None)
    if not isinstance(limiter, RateLimiter):
        limiter = RateLimiter(capacity=capacity, period_seconds=60)
        setattr(state, name, limiter)
    return limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _language(request: Request, workspace: Workspace, lang: str | None) -> str:
    """`?lang=` when given, else the browser's language, else the workspace's default; the
    page is rendered in it too."""
    shell = shell_of(request)
    if lang in ARTICLE_LANGUAGES:
        request.state.viewer = shell.viewer(request, None, locale=lang)
    else:
        locale = None if request.headers.get("accept-language") else workspace.default_locale
        request.state.viewer = shell.viewer(request, None, locale=locale)
    return service.visitor_language(request.state.viewer.language, "en")


def _base(workspace: Workspace, language: str) -> dict[str, Any]:
    return {
        "slug": workspace.slug,
        "workspace_name": workspace.name,
        "language": language,
        "languages": ARTICLE_LANGUAGES,
    }


@router.get("/help/{workspace_slug}", response_class=HTMLResponse)
def help_home(
    request: Request,
    workspace_slug: str,
    session: DbSession,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    workspace = service.open_help_center(session, workspace_slug)
    language = _language(request, workspace, lang)
    context = _base(workspace, language) | {"q": q, "results": None, "search_id": None}
    if q.strip():
        _limiter(request, "kb_search_limiter", SEARCHES_PER_MINUTE).check(_client(request))
        runtime = get_runtime(request)
        outcome, record = service.search_for_log(
            session,
            workspace_id=workspace.id,
            query=q,
            language=language,
            source=SearchSource.HELP_CENTER,
            public_only=True,
            secret=runtime.settings.secret_key,
            limit=10,
        )
        search_log.submit_search(runtime.job_queue, record)
        context |= {"results": outcome.hits, "search_id": record.public_id}
    else:
        context["collections"] = service.public_collections(session, language=language)
    return render(request, "knowledge/help_home.html", context)


@router.get("/help/{workspace_slug}/suggest", response_model=None)
def suggest(
    request: Request,
    workspace_slug: str,
    session: DbSession,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """Top public articles for what a customer is typing, with the `search_id` the portal
    passes back to `record_ticket_submitted`. JSON, or an HTML fragment for HTMX requests."""
    workspace = service.open_help_center(session, workspace_slug)
    language = _language(request, workspace, lang)
    _limiter(request, "kb_search_limiter", SEARCHES_PER_MINUTE).check(_client(request))
    if not q.strip():
        return JSONResponse({"search_id": None, "language": language, "articles": []})
    runtime = get_runtime(request)
    outcome, record = service.search_for_log(
        session,
        workspace_id=workspace.id,
        query=q,
        language=language,
        source=SearchSource.SUGGEST,
        public_only=True,
        secret=runtime.settings.secret_key,
        limit=SUGGESTIONS,
    )
    search_log.submit_search(runtime.job_queue, record)
    articles = [
        {
            "id": hit.article_id,
            "title": hit.title,
            "snippet": hit.snippet,
            "language": hit.language,
            "url": f"/help/{workspace.slug}/articles/{hit.article_id}"
            f"?lang={hit.language}&sid={record.public_id}",
        }
        for hit in outcome.hits
    ]
    if request.headers.get("hx-request"):
        context = _base(workspace, language) | {
            "articles": articles,
            "search_id": record.public_id,
        }
        return render(request, "knowledge/_suggestions.html", context)
    return JSONResponse({"search_id": record.public_id, "language": language, "articles": articles})


@router.get("/help/{workspace_slug}/articles/{article_id}", response_class=HTMLResponse)
def help_article(
    request: Request,
    workspace_slug: str,
    article_id: int,
    session: DbSession,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    sid: Annotated[str | None, Query(max_length=32)] = None,
    voted: bool = False,
) -> HTMLResponse:
    workspace = service.open_help_center(session, workspace_slug)
    language = _language(request, workspace, lang)
    article, translation = service.public_article(session, article_id=article_id, language=language)
    if sid:
        runtime = get_runtime(request)
        search_log.submit_opened(
            runtime.job_queue,
            secret=runtime.settings.secret_key,
            workspace_id=workspace.id,
            search_id=sid,
            article_id=article.id,
        )
    context = _base(workspace, language) | {
        "article": article,
        "translation": translation,
        "voted": voted,
    }
    return render(request, "knowledge/help_article.html", context)


@router.post("/help/{workspace_slug}/articles/{article_id}/vote", response_model=None)
def vote(
    request: Request,
    workspace_slug: str,
    article_id: int,
    session: DbSession,
    helpful: Annotated[bool, Form()],
    lang: Annotated[str, Form(max_length=8)] = "en",
) -> Response:
    """ "Was this helpful?": one vote, rate-limited per address (429 with Retry-After)."""
    workspace = service.open_help_center(session, workspace_slug)
    _limiter(request, "kb_vote_limiter", VOTES_PER_MINUTE).check(_client(request))
    language = service.visitor_language(lang, "en")
    article, _ = service.public_article(session, article_id=article_id, language=language)
    service.record_vote(
        session, workspace_id=workspace.id, article_id=article.id, language=language,
        helpful=helpful,
    )  # fmt: skip
    return RedirectResponse(
        f"/help/{workspace.slug}/articles/{article.id}?lang={language}&voted=true",
        status_code=303,
    )


@router.get("/help/{workspace_slug}/files/{file_id}", response_class=Response)
def help_file(request: Request, workspace_slug: str, file_id: int, session: DbSession) -> Response:
    """Images and files of public articles only."""
    service.open_help_center(session, workspace_slug)
    row = get_file(session, file_id=file_id)
    article = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.id == row.article_id))
    if article is None or article.audience != Audience.PUBLIC.value:
        raise NotFound(f"file {file_id} not found")
    return file_response(row, file_store(get_runtime(request).settings.data_dir))
