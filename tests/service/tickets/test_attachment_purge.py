"""A purge of unreferenced attachment files against an upload of the same bytes: the upload
finds the file stored and skips writing it, so a purge checking between that moment and the
upload's commit would delete the file the new row points at. They hold the files in turn."""

from __future__ import annotations

import threading
from pathlib import Path

from cxhub.core.db import unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.service.tickets.attachments import AttachmentStore, store_attachment
from cxhub.service.tickets.erasure import purge_unreferenced_files
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
