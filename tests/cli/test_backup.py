"""`cxhub backup` / `cxhub restore`: an online round trip, and refusals of bad input."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from cxhub.api.app import create_app
from cxhub.cli import app as cli_app
from cxhub.core.backup import current_revision
from cxhub.core.db import unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.schemas import ContactCreate
from tests.factories import Tenant, make_tenant, unique

SECRET = "test-secret-key-that-is-long-enough-0123456789"
#: Their own SQLite installation whatever engine the suite runs: the PostgreSQL pass of CI need
#: not run them again (test_postgres_round_trip is that pass's own).
SQLITE_ONLY = pytest.mark.nodb


def cxhub(*args: str) -> Result:
    return CliRunner().invoke(cli_app, list(args))


@dataclass
class Installation:
    settings: Settings
    runtime: Runtime
    client: TestClient
    tenant: Tenant


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Installation]:
    """A running SQLite installation with a contact and a ticket carrying an attachment."""
    settings = Settings(
        environment="test", data_dir=tmp_path / "a", secret_key=SECRET, jobs_backend="sync"
    )
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    with TestClient(create_app(settings, runtime)) as client:
        yield Installation(settings, runtime, client, make_tenant(runtime))
    runtime.close()


def _seed(site: Installation) -> dict[str, object]:
    headers = site.tenant.admin
    contact = site.client.post(
        "/api/v1/contacts",
        json={"first_name": "Ada", "emails": ["ada@example.com"]},
        headers=headers,
    ).json()
    upload = site.client.post(
        "/api/v1/attachments", files={"file": ("a.bin", bytes(range(256)) * 40)}, headers=headers
    ).json()
    ticket = site.client.post(
        "/api/v1/tickets",
        json={
            "subject": "Broken",
            "description": "It broke.",
            "requester_id": contact["id"],
            "attachment_ids": [upload["id"]],
        },
        headers=headers,
    ).json()
    events = site.settings.data_dir / "events" / "workspace_id=1" / "day=2026-05-01"
    events.mkdir(parents=True)
    (events / "1-2.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    return {"contact": contact, "ticket": ticket, "attachment": upload}


def _contact_count(runtime: Runtime, workspace_id: int) -> int:
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        return int(session.scalar(select(func.count()).select_from(Contact)) or 0)


@SQLITE_ONLY
def test_online_round_trip_on_sqlite(source: Installation, tmp_path: Path) -> None:
    seeded = _seed(source)
    stop = threading.Event()
    written = [0]

    def keep_writing() -> None:
        while not stop.is_set():
            with unit_of_work(source.runtime.session_factory, source.tenant.workspace_id) as s:
                contacts.create_contact(
                    s,
                    workspace_id=source.tenant.workspace_id,
                    data=ContactCreate(first_name=unique("w")),
                )
            written[0] += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        before = _contact_count(source.runtime, source.tenant.workspace_id)
        archive = tmp_path / "backup.tar.gz"
        result = cxhub(
            "--data-dir", str(source.settings.data_dir), "backup", "--output", str(archive)
        )
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert written[0] > 0
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["database_kind"] == "sqlite"
    assert manifest["alembic_revision"] == current_revision(source.settings.effective_database_url)
    assert "files/events/workspace_id=1/day=2026-05-01/1-2.parquet" in manifest["members"]

    target = tmp_path / "b"
    result = cxhub("--data-dir", str(target), "restore", "--input", str(archive))
    assert result.exit_code == 0, result.output
    restored_settings = source.settings.model_copy(update={"data_dir": target})
    restored = build_runtime(restored_settings)
    try:
        assert _contact_count(restored, source.tenant.workspace_id) >= before
        with TestClient(create_app(restored_settings, restored)) as client:
            headers = source.tenant.admin
            ticket = seeded["ticket"]
            assert isinstance(ticket, dict)
            again = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).json()
            assert again["subject"] == "Broken"
            attachment = seeded["attachment"]
            assert isinstance(attachment, dict)
            download = client.get(f"/api/v1/attachments/{attachment['id']}", headers=headers)
            assert download.content == bytes(range(256)) * 40
    finally:
        restored.close()
    assert (target / "events/workspace_id=1/day=2026-05-01/1-2.parquet").read_bytes() == (
        b"PAR1 not really parquet PAR1"
    )

    refused = cxhub("--data-dir", str(target), "restore", "--input", str(archive))
    assert refused.exit_code == 1
    assert "--force" in refused.output
    forced = cxhub("--data-dir", str(target), "restore", "--input", str(archive), "--force")
    assert forced.exit_code == 0, forced.output


def _rewrite(archive: Path, out: Path, *, member: str, content: bytes) -> Path:
    with tarfile.open(archive) as old, tarfile.open(out, "w:gz") as new:
        for info in old.getmembers():
            data = old.extractfile(info)
            assert data is not None
            body = content if info.name == member else data.read()
            info.size = len(body)
            new.addfile(info, io.BytesIO(body))
    return out


@pytest.fixture
def small_backup(tmp_path: Path) -> Path:
    data_dir = tmp_path / "small"
    upgrade_database(f"sqlite:///{data_dir / 'cxhub.sqlite3'}")
    (data_dir / "attachments" / "ab").mkdir(parents=True)
    (data_dir / "attachments" / "ab" / "abcd").write_bytes(b"hello")
    archive = tmp_path / "small.tar.gz"
    result = cxhub("--data-dir", str(data_dir), "backup", "-o", str(archive))
    assert result.exit_code == 0, result.output
    return archive


def _restore_fails(tmp_path: Path, archive: Path, message: str) -> None:
    result = cxhub("--data-dir", str(tmp_path / "fresh"), "restore", "--input", str(archive))
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


@SQLITE_ONLY
def test_missing_and_corrupt_files_are_refused(tmp_path: Path, small_backup: Path) -> None:
    _restore_fails(tmp_path, tmp_path / "nope.tar.gz", "no backup file")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b this is not gzip")
    _restore_fails(tmp_path, junk, "not a readable .tar.gz backup")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(small_backup.read_bytes()[:200])
    _restore_fails(tmp_path, truncated, "backup")


@SQLITE_ONLY
def test_checksum_mismatch_is_refused(tmp_path: Path, small_backup: Path) -> None:
    tampered = _rewrite(
        small_backup, tmp_path / "t.tar.gz", member="files/attachments/ab/abcd", content=b"evil!"
    )
    _restore_fails(tmp_path, tampered, "checksum mismatch for files/attachments/ab/abcd")
    assert not (tmp_path / "fresh" / "cxhub.sqlite3").exists()


@SQLITE_ONLY
def test_backup_from_a_newer_schema_is_refused(tmp_path: Path, small_backup: Path) -> None:
    with tarfile.open(small_backup) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    manifest["alembic_revision"] = "9999"
    newer = _rewrite(
        small_backup,
        tmp_path / "n.tar.gz",
        member="manifest.json",
        content=json.dumps(manifest).encode(),
    )
    _restore_fails(tmp_path, newer, "newer than this cxhub knows")


def test_postgres_round_trip(settings: Settings, tenant: Tenant, tmp_path: Path) -> None:
    """On PostgreSQL (CXHUB_TEST_DATABASE_URL): back up the suite's database, restore it into a
    second fresh database."""
    assert settings.database_url is not None
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip("the suite runs on SQLite; set CXHUB_TEST_DATABASE_URL to a PostgreSQL URL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore are not on PATH")
    from tests.conftest import _create_postgres_database, _drop_postgres_database

    assert tenant.runtime is not None
    with tenant.session() as session:
        contact = contacts.create_contact(
            session, workspace_id=tenant.workspace_id, data=ContactCreate(first_name="Pg Ada")
        )
        contact_id = contact.id
    archive = tmp_path / "pg.tar.gz"
    backup = cxhub(
        "--database-url",
        settings.database_url,
        "--data-dir",
        str(settings.data_dir),
        "backup",
        "--output",
        str(archive),
    )
    assert backup.exit_code == 0, backup.output
    second, admin_dsn = _create_postgres_database(settings.database_url)
    try:
        restore = cxhub(
            "--database-url",
            second,
            "--data-dir",
            str(tmp_path / "pgdata"),
            "restore",
            "--input",
            str(archive),
        )
        assert restore.exit_code == 0, restore.output
        restored = build_runtime(settings.model_copy(update={"database_url": second}))
        try:
            with unit_of_work(restored.session_factory, tenant.workspace_id) as session:
                assert session.get(Contact, contact_id) is not None
        finally:
            restored.close()
    finally:
        _drop_postgres_database(second, admin_dsn)
