"""Attachment uploads, stored content-addressed on disk under the data directory.

Files are written to `<root>/<sha256[:2]>/<sha256>` before the row is added, so a row never
points at a missing file; identical files are stored once. Uploads are bound to a message when
the message is posted (the upload-then-reference flow most helpdesk APIs use).

A stored file is deleted once no row references it (`erasure.purge_unreferenced_files`). An
upload of the same bytes finds the file already there and references it only when its
transaction commits, so both hold the files (`hold_files`) from before the upload looks at the
file until they commit: a purge then either finishes before (and the upload writes the file
again) or sees the new row.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError, NotFound, ValidationFailed
from cxhub.service.tickets.models import TicketAttachment

_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


class AttachmentTooLarge(DomainError):
    status = 413
    type_slug = "attachment-too-large"
    title = "Attachment too large"


class AttachmentStore:
    """Content-addressed file storage for attachment bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    @staticmethod
    def digest_of(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()

    def put(self, content: bytes, digest: str | None = None) -> str:
        """Store `content` (its `digest` when already computed); its digest."""
        digest = digest or self.digest_of(content)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


# The advisory lock key of the attachment files on PostgreSQL ("cxhub-attachment-files").
_FILES_LOCK_KEY = 0x63786875622D6166


def hold_files(session: Session, *, to_purge: bool = False) -> None:
    """Hold the stored files for this transaction, until it commits: uploads share the hold,
    a purge (`to_purge`) holds them alone, so it never checks a file between an upload finding
    it and the upload's row being committed.

    PostgreSQL: a transaction-scoped advisory lock, shared or exclusive (one key for all files:
    a purge of a few files waits for the uploads in flight, and no two transactions can
    deadlock over several files). SQLite: the transaction's write lock (writers begin with
    BEGIN IMMEDIATE), taken here by its first statement if it has none yet: no other writer,
    the purge included, holds it meanwhile."""
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if to_purge else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {function}(:key)"), {"key": _FILES_LOCK_KEY})
    else:
        session.execute(text("SELECT 1"))


def safe_filename(name: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return cleaned[:255] or "attachment"


def store_attachment(
    session: Session,
    *,
    store: AttachmentStore,
    workspace_id: int,
    filename: str,
    content_type: str,
    content: bytes,
    max_bytes: int,
    content_id: str | None = None,
) -> TicketAttachment:
    if len(content) > max_bytes:
        raise AttachmentTooLarge(
            f"attachment is {len(content)} bytes; the limit is {max_bytes}",
            max_bytes=max_bytes,
        )
    if not content:
        raise ValidationFailed("attachment is empty", field="file")
    digest = store.digest_of(content)
    hold_files(session)
    store.put(content, digest)
    attachment = TicketAttachment(
        workspace_id=workspace_id,
        filename=safe_filename(filename),
        content_type=(content_type or "application/octet-stream")[:255],
        size_bytes=len(content),
        sha256=digest,
        content_id=content_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def get_attachment(session: Session, *, attachment_id: int) -> TicketAttachment:
    attachment = session.scalar(
        select(TicketAttachment).where(TicketAttachment.id == attachment_id)
    )
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found")
    return attachment
