"""Agent pages of the knowledge base: list and search, view, create and edit, verify."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.db import utcnow
from cxhub.core.errors import DomainError
from cxhub.core.pagination import PageRequest
from cxhub.core.permissions import Permission
from cxhub.knowledge.articles import files, service
from cxhub.knowledge.articles.models import ARTICLE_LANGUAGES, Audience
from cxhub.knowledge.articles.schemas import ArticleCreate, ArticleUpdate, TranslationWrite
from cxhub.knowledge.messages import MESSAGES as KNOWLEDGE_MESSAGES
from cxhub.knowledge.search.service import SearchMode, search_articles
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (NavItem("Knowledge", "/knowledge", Permission.KNOWLEDGE_READ, order=3, icon="flag"),)

CanRead = Annotated[Viewer, page_permission(Permission.KNOWLEDGE_READ)]
CanWrite = Annotated[Viewer, page_permission(Permission.KNOWLEDGE_WRITE)]

SAVED = "Article saved."
VERIFIED = "Article verified."
MESSAGES: dict[str, dict[str, str]] = KNOWLEDGE_MESSAGES


def _ids(viewer: Viewer) -> tuple[int, int]:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.workspace_id, viewer.principal.user_id


def _language(value: str | None, viewer: Viewer) -> str:
    if value in ARTICLE_LANGUAGES:
        return str(value)
    return viewer.language if viewer.language in ARTICLE_LANGUAGES else "en"


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_list(
    request: Request,
    session: DbSession,
    viewer: CanRead,
    q: Annotated[str, Query(max_length=500)] = "",
    unverified: bool = False,
) -> HTMLResponse:
    workspace_id, _ = _ids(viewer)
    now = utcnow()
    context: dict[str, Any] = {"q": q, "unverified": unverified, "hits": None, "now": now}
    if q.strip():
        context["hits"] = search_articles(
            session, workspace_id=workspace_id, query=q, mode=SearchMode.HYBRID, limit=20
        ).hits
    else:
        page = service.list_articles(
            session,
            page=PageRequest(limit=100),
            needs_verification=True if unverified else None,
            now=now,
        )
        context["articles"] = [
            (article, service.translations_of(session, article_id=article.id))
            for article in page.items
        ]
    context["collections"] = {c.id: c.name for c in service.list_collections(session)}
    return render(request, "knowledge/list.html", context)


@router.get("/knowledge/articles/new", response_class=HTMLResponse)
def new_article(request: Request, session: DbSession, viewer: CanWrite) -> HTMLResponse:
    return render(
        request,
        "knowledge/edit.html",
        {
            "article": None,
            "translation": None,
            "language": _language(None, viewer),
            "languages": ARTICLE_LANGUAGES,
            "collections": service.list_collections(session),
            "error": None,
        },
    )


@router.post("/knowledge/articles/new", dependencies=[CsrfProtected], response_model=None)
def create_article(
    request: Request,
    session: DbSession,
    viewer: CanWrite,
    collection_id: Annotated[int, Form()],
    title: Annotated[str, Form(max_length=300)],
    language: Annotated[str, Form(max_length=8)] = "en",
    body_html: Annotated[str, Form(max_length=500_000)] = "",
    audience: Annotated[Audience, Form()] = Audience.INTERNAL,
    verify_every_days: Annotated[int, Form(ge=1, le=3650)] = 90,
    publish: Annotated[bool, Form()] = False,
) -> RedirectResponse | HTMLResponse:
    workspace_id, user_id = _ids(viewer)
    try:
        article = service.create_article(
            session,
            workspace_id=workspace_id,
            data=ArticleCreate(
                collection_id=collection_id,
                audience=audience,
                verify_every_days=verify_every_days,
                language=language,
                title=title,
                body_html=body_html,
                publish=publish,
            ),
            created_by_id=user_id,
        )
    except (DomainError, ValueError) as error:
        return render(
            request,
            "knowledge/edit.html",
            {
                "article": None,
                "translation": None,
                "language": _language(language, viewer),
                "languages": ARTICLE_LANGUAGES,
                "collections": service.list_collections(session),
                "error": str(error),
            },
            status_code=422,
        )
    response = RedirectResponse(
        f"/knowledge/articles/{article.id}?lang={language}", status_code=303
    )
    add_flash(request, response, SAVED, "success")
    return response


@router.get("/knowledge/articles/{article_id}", response_class=HTMLResponse)
def view_article(
    request: Request,
    article_id: int,
    session: DbSession,
    viewer: CanRead,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    article = service.get_article(session, article_id=article_id)
    translations = {t.language: t for t in service.translations_of(session, article_id=article.id)}
    language = _language(lang, viewer)
    translation = translations.get(language) or next(iter(translations.values()), None)
    revisions = (
        service.list_revisions(session, article_id=article.id, language=translation.language)
        if translation is not None
        else []
    )
    return render(
        request,
        "knowledge/view.html",
        {
            "article": article,
            "translation": translation,
            "translations": translations,
            "languages": ARTICLE_LANGUAGES,
            "revisions": revisions,
            "files": files.files_of(session, article_id=article.id),
            "needs_verification": article.verification_due_at <= utcnow(),
            "can_write": viewer.can(Permission.KNOWLEDGE_WRITE),
        },
    )


@router.get("/knowledge/articles/{article_id}/edit", response_class=HTMLResponse)
def edit_article(
    request: Request,
    article_id: int,
    session: DbSession,
    viewer: CanWrite,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    article = service.get_article(session, article_id=article_id)
    language = _language(lang, viewer)
    translations = {t.language: t for t in service.translations_of(session, article_id=article.id)}
    return render(
        request,
        "knowledge/edit.html",
        {
            "article": article,
            "translation": translations.get(language),
            "language": language,
            "languages": ARTICLE_LANGUAGES,
            "collections": service.list_collections(session),
            "error": None,
        },
    )


@router.post("/knowledge/articles/{article_id}/edit", dependencies=[CsrfProtected])
def save_article(
    request: Request,
    article_id: int,
    session: DbSession,
    viewer: CanWrite,
    title: Annotated[str, Form(min_length=1, max_length=300)],
    language: Annotated[str, Form(max_length=8)],
    body_html: Annotated[str, Form(max_length=500_000)] = "",
    audience: Annotated[Audience, Form()] = Audience.INTERNAL,
    verify_every_days: Annotated[int, Form(ge=1, le=3650)] = 90,
    publish: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    _, user_id = _ids(viewer)
    service.update_article(
        session,
        article_id=article_id,
        data=ArticleUpdate(audience=audience, verify_every_days=verify_every_days),
    )
    article = service.get_article(session, article_id=article_id)
    service.write_translation(
        session,
        article=article,
        language=language,
        data=TranslationWrite(title=title, body_html=body_html, publish=publish),
        by_user_id=user_id,
    )
    response = RedirectResponse(
        f"/knowledge/articles/{article.id}?lang={language}", status_code=303
    )
    add_flash(request, response, SAVED, "success")
    return response


@router.post("/knowledge/articles/{article_id}/verify", dependencies=[CsrfProtected])
def verify(
    request: Request, article_id: int, session: DbSession, viewer: CanWrite
) -> RedirectResponse:
    _, user_id = _ids(viewer)
    service.verify_article(session, article_id=article_id, by_user_id=user_id)
    response = RedirectResponse(f"/knowledge/articles/{article_id}", status_code=303)
    add_flash(request, response, VERIFIED, "success")
    return response


FILE_ADDED = "File added."


@router.post("/knowledge/articles/{article_id}/files", dependencies=[CsrfProtected])
def upload_file(
    request: Request,
    article_id: int,
    session: DbSession,
    viewer: CanWrite,
    file: Annotated[UploadFile, File()],
) -> RedirectResponse:
    """The article page's upload form: the same checks as the API's upload (size limit,
    empty file, safe name); images then show inline where the body links their URL."""
    settings = get_runtime(request).settings
    article = service.get_article(session, article_id=article_id)
    files.add_file(
        session,
        store=files.file_store(settings.data_dir),
        article=article,
        filename=file.filename or "file",
        content_type=file.content_type or "application/octet-stream",
        content=file.file.read(settings.attachment_max_bytes + 1),
        max_bytes=settings.attachment_max_bytes,
    )
    response = RedirectResponse(f"/knowledge/articles/{article.id}#kb-files", status_code=303)
    add_flash(request, response, FILE_ADDED, "success")
    return response
