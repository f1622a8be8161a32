"""A purge of unreferenced attachment files against an upload of the same bytes: the upload
finds the file stored and skips writing it, so a purge checking between that moment and the
upload's commit would delete the file the new row points at. They hold the files in turn."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from unittest.mock import patch

from cxhub.core.db import unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.privacy.tasks import SWEEP_ATTACHMENT_FILES
from cxhub.service.tickets.attachments import AttachmentStore, store_attachment
from cxhub.service.tickets.erasure import (
    STALE_UPLOAD_SECONDS,
    purge_unreferenced_files,
    sweep_unreferenced_files,
)
from tests.factories import Tenant, unique

WAIT_SECONDS = 1.0


class _PurgeWhileUploading(AttachmentStore):
    """Starts a purge of the file right after the upload found it stored, and records whether
    the purge had to wait for the upload's transaction."""

    def __init__(self, root: Path, runtime: Runtime, workspace_id: int) -> None:
        super().__init__(root)
        self.runtime, self.workspace_id = runtime, workspace_id
        self.purged: list[int] = []
        self.purge: threading.Thread | None = None
        self.purge_waited = False

    def _run_purge(self, digest: str) -> None:
        with unit_of_work(self.runtime.session_factory, self.workspace_id) as session:
            self.purged.append(purge_unreferenced_files(session, store=self, sha256s={digest}))

    def put(self, content: bytes, digest: str | None = None) -> str:
        digest = super().put(content, digest)
        self.purge = threading.Thread(target=self._run_purge, args=(digest,))
        self.purge.start()
        self.purge.join(WAIT_SECONDS)
        self.purge_waited = self.purge.is_alive()
        return digest


def test_a_purge_waits_for_an_upload_of_the_same_bytes_and_keeps_its_file(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    content = f"invoice {unique('bytes')}".encode()
    store = _PurgeWhileUploading(tmp_path / "attachments", runtime, tenant.workspace_id)
    # The file of an earlier attachment, since erased: no row references it any more.
    digest = AttachmentStore(store.root).put(content)
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        attachment = store_attachment(
            session,
            store=store,
            workspace_id=tenant.workspace_id,
            filename="invoice.txt",
            content_type="text/plain",
            content=content,
            max_bytes=1_000_000,
        )
    assert store.purge is not None
    store.purge.join(30)
    assert store.purge_waited
    assert store.purged == [0]
    assert attachment.sha256 == digest
    assert store.read(digest) == content


def test_a_purge_deletes_a_file_no_row_references(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    store = AttachmentStore(tmp_path / "attachments")
    digest = store.put(f"old {unique('bytes')}".encode())
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        assert purge_unreferenced_files(session, store=store, sha256s={digest}) == 1
    assert not store.path_for(digest).exists()


def test_the_sweep_deletes_unreferenced_files_and_stale_uploads_and_keeps_the_rest(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    """What lost purge jobs leave behind goes; referenced files, uploads in progress and files
    that are not the store's stay. Several chunks, so each chunk's check is exercised."""
    store = AttachmentStore(tmp_path / "attachments")
    referenced = [f"kept {n} {unique('bytes')}".encode() for n in range(3)]
    orphans = [f"erased {n} {unique('bytes')}".encode() for n in range(4)]
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        kept = [
            store_attachment(
                session,
                store=store,
                workspace_id=tenant.workspace_id,
                filename=f"kept-{n}.txt",
                content_type="text/plain",
                content=content,
                max_bytes=1_000_000,
            ).sha256
            for n, content in enumerate(referenced)
        ]
    gone = [store.put(content) for content in orphans]
    now = time.time()
    stale = store.root / gone[0][:2] / ".upload-crashed"
    stale.write_bytes(b"half a file")
    os.utime(stale, (now - STALE_UPLOAD_SECONDS - 60, now - STALE_UPLOAD_SECONDS - 60))
    fresh = store.root / kept[0][:2] / ".upload-in-progress"
    fresh.write_bytes(b"being written")
    foreign = store.root / "README.txt"
    foreign.write_text("not an attachment")

    with patch("cxhub.service.tickets.erasure.SWEEP_CHUNK", 2):
        deleted = sweep_unreferenced_files(runtime.session_factory, store=store, now=now)

    assert deleted == len(gone)
    assert not any(store.path_for(digest).exists() for digest in gone)
    assert [store.read(digest) for digest in kept] == referenced
    assert not stale.exists()
    assert fresh.exists()
    assert foreign.exists()
    assert sweep_unreferenced_files(runtime.session_factory, store=store, now=now) == 0


def test_the_sweep_is_a_daily_installation_wide_job(runtime: Runtime) -> None:
    assert callable(runtime.jobs.get(SWEEP_ATTACHMENT_FILES))
    assert runtime.scheduler is not None
    (task,) = [t for t in runtime.scheduler.tasks if t.job_name == SWEEP_ATTACHMENT_FILES]
    assert task.every_seconds == 24 * 3600
    assert not task.per_workspace
