"""Knowledge base routes: collections, articles, language versions, revisions, files."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, UploadFile, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.knowledge.articles import files, service
from cxhub.knowledge.articles.models import ArticleFile, Audience
from cxhub.knowledge.articles.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleUpdate,
    CollectionCreate,
    CollectionOut,
    CollectionUpdate,
    FileOut,
    RevisionOut,
    TranslationOut,
    TranslationWrite,
)
from cxhub.service.tickets.attachments import AttachmentStore

router = APIRouter(route_class=TransactionalRoute, tags=["knowledge"], prefix="/knowledge")


def _out(session: DbSession, article_id: int) -> ArticleOut:
    article = service.get_article(session, article_id=article_id)
    return ArticleOut.of(
        article, service.translations_of(session, article_id=article.id), now=utcnow()
    )


# collections --------------------------------------------------------------------------------
@router.get("/collections", response_model=list[CollectionOut])
def list_collections(
    session: DbSession, _: Principal = require(Permission.KNOWLEDGE_READ)
) -> list[CollectionOut]:
    return [CollectionOut.of(row) for row in service.list_collections(session)]


@router.post("/collections", response_model=CollectionOut, status_code=status.HTTP_201_CREATED)
def create_collection(
    data: CollectionCreate,
    session: DbSession,
    principal: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> CollectionOut:
    return CollectionOut.of(
        service.create_collection(session, workspace_id=principal.workspace_id, data=data)
    )


@router.patch("/collections/{collection_id}", response_model=CollectionOut)
def update_collection(
    collection_id: int,
    data: CollectionUpdate,
    session: DbSession,
    _: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> CollectionOut:
    return CollectionOut.of(
        service.update_collection(session, collection_id=collection_id, data=data)
    )


@router.delete("/collections/{collection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(
    collection_id: int, session: DbSession, _: Principal = require(Permission.KNOWLEDGE_WRITE)
) -> Response:
    """Delete the collection and every article in it (audited)."""
    service.delete_collection(session, collection_id=collection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# articles -----------------------------------------------------------------------------------
@router.get("/articles", response_model=PageOut[ArticleOut])
def list_articles(
    session: DbSession,
    page: PageParams,
    collection_id: int | None = None,
    audience: Audience | None = None,
    needs_verification: Annotated[
        bool | None, Query(description="true: only articles whose verification is due.")
    ] = None,
    owner_id: int | None = None,
    _: Principal = require(Permission.KNOWLEDGE_READ),
) -> PageOut[ArticleOut]:
    """Articles, most recently updated first (also `id`; prefix `-` to reverse)."""
    now = utcnow()
    result = service.list_articles(
        session,
        page=page,
        collection_id=collection_id,
        audience=audience,
        needs_verification=needs_verification,
        owner_id=owner_id,
        now=now,
    )
    return PageOut(
        items=[
            ArticleOut.of(a, service.translations_of(session, article_id=a.id), now=now)
            for a in result.items
        ],
        next_cursor=result.next_cursor,
    )


@router.post("/articles", response_model=ArticleOut, status_code=status.HTTP_201_CREATED)
def create_article(
    data: ArticleCreate,
    session: DbSession,
    principal: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> ArticleOut:
    """A new article with its first language version (`publish: true` publishes it)."""
    article = service.create_article(
        session, workspace_id=principal.workspace_id, data=data, created_by_id=principal.user_id
    )
    return _out(session, article.id)


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(
    article_id: int, session: DbSession, _: Principal = require(Permission.KNOWLEDGE_READ)
) -> ArticleOut:
    return _out(session, article_id)


@router.patch("/articles/{article_id}", response_model=ArticleOut)
def update_article(
    article_id: int,
    data: ArticleUpdate,
    session: DbSession,
    _: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> ArticleOut:
    service.update_article(session, article_id=article_id, data=data)
    return _out(session, article_id)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_article(
    article_id: int, session: DbSession, _: Principal = require(Permission.KNOWLEDGE_WRITE)
) -> Response:
    """Delete the article, its language versions, revisions and files (audited)."""
    service.delete_article(session, article_id=article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/articles/{article_id}/verify", response_model=ArticleOut)
def verify_article(
    article_id: int, session: DbSession, principal: Principal = require(Permission.KNOWLEDGE_WRITE)
) -> ArticleOut:
    """Confirm the article is still correct: the verification interval starts again."""
    service.verify_article(session, article_id=article_id, by_user_id=principal.user_id)
    return _out(session, article_id)


# language versions --------------------------------------------------------------------------
@router.put("/articles/{article_id}/translations/{language}", response_model=TranslationOut)
def write_translation(
    article_id: int,
    language: str,
    data: TranslationWrite,
    session: DbSession,
    principal: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> TranslationOut:
    """Create or replace a language version; editing a published one keeps a revision."""
    article = service.get_article(session, article_id=article_id)
    translation = service.write_translation(
        session, article=article, language=language, data=data, by_user_id=principal.user_id
    )
    return TranslationOut.of(translation)


@router.post(
    "/articles/{article_id}/translations/{language}/publish", response_model=TranslationOut
)
def publish_translation(
    article_id: int,
    language: str,
    session: DbSession,
    principal: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> TranslationOut:
    return TranslationOut.of(
        service.publish_translation(
            session, article_id=article_id, language=language, by_user_id=principal.user_id
        )
    )


@router.post(
    "/articles/{article_id}/translations/{language}/unpublish", response_model=TranslationOut
)
def unpublish_translation(
    article_id: int,
    language: str,
    session: DbSession,
    _: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> TranslationOut:
    return TranslationOut.of(
        service.unpublish_translation(session, article_id=article_id, language=language)
    )


@router.get(
    "/articles/{article_id}/translations/{language}/revisions",
    response_model=list[RevisionOut],
)
def list_revisions(
    article_id: int,
    language: str,
    session: DbSession,
    _: Principal = require(Permission.KNOWLEDGE_READ),
) -> list[RevisionOut]:
    """Published revisions of a language version, newest first."""
    rows = service.list_revisions(session, article_id=article_id, language=language)
    return [RevisionOut.of(row) for row in rows]


# files --------------------------------------------------------------------------------------
@router.get("/articles/{article_id}/files", response_model=list[FileOut])
def list_files(
    article_id: int, session: DbSession, _: Principal = require(Permission.KNOWLEDGE_READ)
) -> list[FileOut]:
    article = service.get_article(session, article_id=article_id)
    return [FileOut.of(row) for row in files.files_of(session, article_id=article.id)]


@router.post(
    "/articles/{article_id}/files", response_model=FileOut, status_code=status.HTTP_201_CREATED
)
def upload_file(
    article_id: int,
    request: Request,
    session: DbSession,
    file: UploadFile | None = None,
    _: Principal = require(Permission.KNOWLEDGE_WRITE),
) -> FileOut:
    """Attach a file or image (multipart field `file`); link it in the body by its `url`."""
    settings = get_runtime(request).settings
    limit = settings.attachment_max_bytes
    article = service.get_article(session, article_id=article_id)  # 404 before 422
    if file is None:
        raise ValidationFailed("send the file as the multipart field `file`", field="file")
    row = files.add_file(
        session,
        store=files.file_store(settings.data_dir),
        article=article,
        filename=file.filename or "file",
        content_type=file.content_type or "application/octet-stream",
        content=file.file.read(limit + 1),
        max_bytes=limit,
    )
    return FileOut.of(row)


@router.get("/files/{file_id}", response_class=Response)
def download_file(
    file_id: int,
    request: Request,
    session: DbSession,
    _: Principal = require(Permission.KNOWLEDGE_READ),
) -> Response:
    """The file; raster images inline, everything else as a download."""
    row = files.get_file(session, file_id=file_id)
    return file_response(row, files.file_store(get_runtime(request).settings.data_dir))


@router.delete("/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_file(
    file_id: int, session: DbSession, _: Principal = require(Permission.KNOWLEDGE_WRITE)
) -> Response:
    files.delete_file(session, file_id=file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def file_response(row: ArticleFile, store: AttachmentStore) -> Response:
    disposition = "inline" if row.is_image else "attachment"
    return Response(
        content=store.read(row.sha256),
        media_type=row.content_type if row.is_image else "application/octet-stream",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
