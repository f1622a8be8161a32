"""Online backup and restore of one cxhub installation: the database plus its files.

A backup is one `.tar.gz` holding `manifest.json`, the database (`database.sqlite3` made with
SQLite's online backup API, which copies a consistent snapshot while the server keeps writing,
WAL included; or `database.pgdump` from `pg_dump --format=custom`) and the files under
`<data_dir>/attachments` and `<data_dir>/events` as `files/...`. The manifest names the cxhub
version, the Alembic revision, the database kind, the time, and the sha256 of every member.

Restore checks all of that before touching anything, writes the SQLite file next to the target
and swaps it in with one rename (PostgreSQL: `pg_restore --clean --if-exists`), puts the files
back, and migrates to the code's head. Every expected failure is a `BackupError` with a message.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from cxhub import __version__
from cxhub.core.db import utcnow
from cxhub.core.errors import DomainError
from cxhub.core.migrate import alembic_config, upgrade_database
from cxhub.core.settings import Settings

MANIFEST = "manifest.json"
FORMAT = "cxhub-backup/1"
FILE_DIRECTORIES = ("attachments", "events")
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"


class BackupError(DomainError):
    status = 400
    type_slug = "backup-error"
    title = "Backup or restore failed"


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    database_kind: str
    revision: str | None
    members: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (kept out of `ps`) and the environment carrying it."""
    url: URL = make_url(database_url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found on PATH; install the PostgreSQL client tools "
            "(the same major version as the server or newer)"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _dump_database(database_url: str, staging: Path) -> str:
    if _kind(database_url) == "sqlite":
        source_path = _sqlite_path(database_url)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}")
        target = staging / SQLITE_MEMBER
        source = sqlite3.connect(str(source_path), timeout=30)
        destination = sqlite3.connect(str(target))
        try:
            with destination:
                source.backup(destination, pages=1024)  # small steps: writers keep going
        finally:
            destination.close()
            source.close()
        return SQLITE_MEMBER
    dsn, env = _libpq(database_url)
    target = staging / PGDUMP_MEMBER
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", dsn], env)
    return PGDUMP_MEMBER


def create_backup(settings: Settings, output: Path) -> BackupSummary:
    """Write a backup of the configured database and data files to `output` (`.tar.gz`)."""
    database_url = settings.effective_database_url
    kind = _kind(database_url)
    revision = current_revision(database_url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".cxhub-backup-") as scratch:
        staging = Path(scratch)
        members: dict[str, Path] = {}
        database_member = _dump_database(database_url, staging)
        members[database_member] = staging / database_member
        for directory in FILE_DIRECTORIES:
            root = settings.data_dir / directory
            if root.is_dir():
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    if path.name.startswith(".upload-"):
                        continue  # an attachment still being written
                    members[f"files/{directory}/{path.relative_to(root).as_posix()}"] = path
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "cxhub_version": __version__,
            "alembic_revision": revision,
            "database_kind": kind,
            "database_member": database_member,
            "created_at": utcnow().isoformat(),
            "members": {name: _sha256(path) for name, path in members.items()},
        }
        manifest_path = staging / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        partial = staging / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(manifest_path, arcname=MANIFEST)
            for name, path in members.items():
                archive.add(path, arcname=name)
        os.replace(partial, output)
    return BackupSummary(output, kind, revision, len(members))


# --- restore --------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        stream = archive.extractfile(member)
        if stream is None:
            raise KeyError(MANIFEST)
        manifest = json.loads(stream.read().decode("utf-8"))
    except KeyError:
        raise BackupError("not a cxhub backup: it has no manifest.json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"the backup's manifest is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"not a cxhub backup in format {FORMAT}")
    if not isinstance(manifest.get("members"), dict):
        raise BackupError("the backup's manifest lists no members")
    return manifest


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _extract(archive: tarfile.TarFile, manifest: dict[str, Any], into: Path) -> None:
    """Extract exactly the manifest's members, each checked against its sha256."""
    expected: dict[str, str] = manifest["members"]
    for name, digest in expected.items():
        if not _safe_member(name):
            raise BackupError(f"the backup names an unsafe path: {name!r}")
        try:
            member = archive.getmember(name)
        except KeyError:
            raise BackupError(f"the backup is missing {name}") from None
        stream = archive.extractfile(member) if member.isfile() else None
        if stream is None:
            raise BackupError(f"the backup's {name} is not a regular file")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            shutil.copyfileobj(stream, out)
        if _sha256(target) != digest:
            raise BackupError(f"checksum mismatch for {name}: the backup is damaged")


def _check_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {r.revision for r in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"the backup's schema revision {revision} is newer than this cxhub knows "
            f"(head {script.get_current_head()}); restore it with a newer cxhub"
        )


def _database_has_data(database_url: str) -> bool:
    if _kind(database_url) == "sqlite" and not _sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("workspaces"):
                return False
            return connection.execute(text("SELECT 1 FROM workspaces LIMIT 1")).first() is not None
    finally:
        engine.dispose()


def _restore_sqlite(database_url: str, source: Path) -> None:
    target = _sqlite_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".sqlite3")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        check = sqlite3.connect(temporary)
        try:
            if check.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError("the backup's SQLite database fails its integrity check")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the backup's SQLite database is unreadable: {exc}") from None
        finally:
            check.close()
        # A WAL left by the old database would be replayed into the new one: drop it first.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _restore_postgres(database_url: str, source: Path) -> None:
    dsn, env = _libpq(database_url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(source),
        ],
        env,
    )


def _restore_files(extracted: Path, data_dir: Path) -> None:
    for directory in FILE_DIRECTORIES:
        target = data_dir / directory
        if target.exists():
            shutil.rmtree(target)
        source = extracted / "files" / directory
        if source.is_dir():
            shutil.copytree(source, target)


def restore_backup(settings: Settings, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore `source` into the configured database and data directory; returns the manifest."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    database_url = settings.effective_database_url
    kind = _kind(database_url)
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the `with` below
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"{source} is not a readable .tar.gz backup: {exc}") from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with archive, tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".restore-") as scratch:
        try:
            manifest = _read_manifest(archive)
            if manifest.get("database_kind") != kind:
                raise BackupError(
                    f"the backup holds a {manifest.get('database_kind')} database; "
                    f"the configured database is {kind}"
                )
            _check_revision(manifest.get("alembic_revision"))
            if not force and _database_has_data(database_url):
                raise BackupError(
                    "the configured database already holds data; pass --force to replace it"
                )
            extracted = Path(scratch)
            _extract(archive, manifest, extracted)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise BackupError(f"the backup is damaged: {exc}") from None
        database_member = str(manifest.get("database_member"))
        if database_member not in manifest["members"]:
            raise BackupError("the backup's manifest names no database member")
        database_file = extracted / database_member
        if kind == "sqlite":
            _restore_sqlite(database_url, database_file)
        else:
            _restore_postgres(database_url, database_file)
        _restore_files(extracted, settings.data_dir)
    upgrade_database(database_url)
    return manifest
