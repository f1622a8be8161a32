"""Files customers attach in the portal: a few per message, each within the helpdesk's size
limit (`CXHUB_ATTACHMENT_MAX_BYTES`) and of a type an agent can safely open.

The declared type must be on `ALLOWED_TYPES` (images, PDF, plain text and CSV, office
documents, zip); HTML, SVG, scripts and executables are refused. Files are stored like every
attachment (content-addressed, tickets/attachments.py) and always served as downloads with
`nosniff`, so even a file that lies about its type is never rendered by the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import UploadFile
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError
from cxhub.service.tickets.attachments import AttachmentStore, store_attachment

MAX_FILES = 5
ALLOWED_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)

TOO_MANY_FILES = "Attach at most {count} files."
TYPE_REFUSED = "This kind of file cannot be attached: {name}."
TOO_LARGE = "The attachment is too large."


class UploadRefused(DomainError):
    """A file the portal does not take; `message` is an English message id for the page."""

    status = 400
    type_slug = "upload-refused"
    title = "Upload refused"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def _declared_type(upload: UploadFile) -> str:
    return (upload.content_type or "application/octet-stream").split(";")[0].strip().lower()


def store_uploads(
    session: Session,
    *,
    uploads: Sequence[UploadFile],
    workspace_id: int,
    data_dir: Path,
    max_bytes: int,
) -> list[int]:
    """Check and store the uploads a form sent (empty file fields are skipped); their ids."""
    chosen = [upload for upload in uploads if upload.filename]
    if len(chosen) > MAX_FILES:
        raise UploadRefused(TOO_MANY_FILES, count=MAX_FILES)
    for upload in chosen:
        if _declared_type(upload) not in ALLOWED_TYPES:
            raise UploadRefused(TYPE_REFUSED, name=upload.filename or "")
    store = AttachmentStore(data_dir / "attachments")
    ids: list[int] = []
    for upload in chosen:
        content = upload.file.read(max_bytes + 1)
        if not content:
            continue
        if len(content) > max_bytes:
            raise UploadRefused(TOO_LARGE)
        attachment = store_attachment(
            session,
            store=store,
            workspace_id=workspace_id,
            filename=upload.filename or "attachment",
            content_type=_declared_type(upload),
            content=content,
            max_bytes=max_bytes,
        )
        ids.append(attachment.id)
    return ids
