"""Article attachments and images.

The bytes go to the same content-addressed store class as ticket attachments
(`service.tickets.attachments.AttachmentStore`) but under a root of their own
(`<data_dir>/knowledge-files`): the privacy erasure deletes ticket attachment files that no
ticket row references any more, and must never take an article's image with it.
Only raster images (PNG, JPEG, GIF, WebP) are served inline; everything else, SVG included,
is a download, so an uploaded file can never run script in a visitor's browser.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.knowledge.articles.models import ArticleFile, KnowledgeArticle
from cxhub.service.tickets.attachments import AttachmentStore, AttachmentTooLarge, safe_filename

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def file_store(data_dir: Path) -> AttachmentStore:
    return AttachmentStore(data_dir / "knowledge-files")


def add_file(
    session: Session,
    *,
    store: AttachmentStore,
    article: KnowledgeArticle,
    filename: str,
    content_type: str,
    content: bytes,
    max_bytes: int,
) -> ArticleFile:
    if len(content) > max_bytes:
        raise AttachmentTooLarge(
            f"file is {len(content)} bytes; the limit is {max_bytes}", max_bytes=max_bytes
        )
    if not content:
        raise ValidationFailed("file is empty", field="file")
    kind = (content_type or "application/octet-stream").split(";")[0].strip().lower()[:255]
    row = ArticleFile(
        workspace_id=article.workspace_id,
        article_id=article.id,
        filename=safe_filename(filename),
        content_type=kind,
        size_bytes=len(content),
        sha256=store.put(content),
        is_image=kind in INLINE_IMAGE_TYPES,
    )
    session.add(row)
    session.flush()
    return row


def get_file(session: Session, *, file_id: int) -> ArticleFile:
    row = session.scalar(select(ArticleFile).where(ArticleFile.id == file_id))
    if row is None:
        raise NotFound(f"file {file_id} not found")
    return row


def files_of(session: Session, *, article_id: int) -> list[ArticleFile]:
    return list(
        session.scalars(
            select(ArticleFile).where(ArticleFile.article_id == article_id).order_by(ArticleFile.id)
        )
    )


def delete_file(session: Session, *, file_id: int) -> None:
    """Forget the row; the bytes stay (another article may share them, content-addressed)."""
    session.delete(get_file(session, file_id=file_id))
    session.flush()
