"""Search background work: the semantic vector of a translation, computed after publishing
(embedding takes ~10-50 ms per article, too long to hold a request's transaction for)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.knowledge.articles.models import ArticleTranslation, TranslationStatus
from cxhub.knowledge.articles.service import EMBED_TRANSLATION
from cxhub.knowledge.search import semantic


def run_embed_translation(session: Session, payload: dict[str, Any]) -> None:
    """Idempotent: a translation unpublished or deleted meanwhile is skipped."""
    model = semantic.embedder()
    if model is None:
        return
    translation = session.scalar(
        select(ArticleTranslation).where(ArticleTranslation.id == int(payload["translation_id"]))
    )
    if translation is None or translation.status != TranslationStatus.PUBLISHED.value:
        return
    semantic.store_embedding(session, translation=translation, model=model)


def install(runtime: Runtime) -> None:
    runtime.jobs.register(EMBED_TRANSLATION)(run_embed_translation)
