"""Knowledge search route for agents (the help center's public search is in helpcenter)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.knowledge.articles.models import ARTICLE_LANGUAGES
from cxhub.knowledge.helpcenter.search_log import submit_search
from cxhub.knowledge.helpcenter.service import SearchSource, search_for_log
from cxhub.knowledge.search.service import ArticleHit, SearchMode

router = APIRouter(route_class=TransactionalRoute, tags=["knowledge"], prefix="/knowledge")


class ArticleHitOut(BaseModel):
    article_id: int
    translation_id: int
    language: str
    title: str
    snippet: str
    audience: str
    needs_verification: bool
    score: float

    @classmethod
    def of(cls, hit: ArticleHit) -> ArticleHitOut:
        return cls(**hit.__dict__)


class SearchOut(BaseModel):
    search_id: str | None
    mode_used: SearchMode
    items: list[ArticleHitOut]


@router.get("/search", response_model=SearchOut)
def search(
    request: Request,
    session: DbSession,
    q: Annotated[str, Query(max_length=500)] = "",
    lang: Annotated[str | None, Query(max_length=8, description="en, it, zh or id")] = None,
    mode: SearchMode = SearchMode.HYBRID,
    public_only: bool = False,
    limit: Annotated[int, Query(ge=1, description="at most 50")] = 10,
    principal: Principal = require(Permission.KNOWLEDGE_READ),
) -> SearchOut:
    """Published articles for a question, best first, one hit per article. `mode_used` is
    `keyword` when semantic search is not installed (docs/knowledge.md). An empty `q` answers
    no hits and records nothing (`search_id` null)."""
    if lang is not None and lang not in ARTICLE_LANGUAGES:
        raise ValidationFailed("lang must be one of en, it, zh, id", field="lang")
    if not q.strip():
        return SearchOut(search_id=None, mode_used=mode, items=[])
    runtime = get_runtime(request)
    outcome, record = search_for_log(
        session,
        workspace_id=principal.workspace_id,
        query=q,
        language=lang,
        source=SearchSource.AGENT,
        public_only=public_only,
        secret=runtime.settings.secret_key,
        limit=min(limit, 50),
        mode=mode,
    )
    submit_search(runtime.job_queue, record)
    return SearchOut(
        search_id=record.public_id,
        mode_used=outcome.mode_used,
        items=[ArticleHitOut.of(hit) for hit in outcome.hits],
    )
