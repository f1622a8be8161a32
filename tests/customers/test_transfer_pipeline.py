"""Preparing batches in a worker process changes nothing but the speed, and never hangs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.customers.transfer import pipeline
from cxhub.customers.transfer.importer import ImportReport, RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.outcomes import RowStatus
from cxhub.customers.transfer.readers import open_source
from cxhub.customers.transfer.tasks import run_import
from tests.factories import Tenant

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="the tests patch the worker through fork",
)


def _csv(path: Path, rows: int) -> Path:
    lines = ["customer_id,Email,Phone,First Name,Last Name,Country,Plan"]
    for n in range(rows):
        email = f"p{n % 23}@example.com" if n % 5 == 0 else f"Person.{n}@Example.com"
        phone = "not a phone" if n % 17 == 0 else f"+39 3{n:09d}"
        country = "Italy" if n % 29 == 0 else "it"
        lines.append(f"C{n % 41 if n % 7 == 0 else n},{email},{phone},Ada{n},King,{country},p{n}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(tenant: Tenant, path: Path, *, batch_size: int, **options: Any) -> ImportReport:
    assert tenant.runtime is not None
    source = open_source(path)
    return run_import(
        tenant.runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=RowImporter(Entity.CONTACTS, {}, columns=source.columns),
        rows=source.rows(),
        batch_size=batch_size,
        **options,
    )


def _state(session: Session) -> list[tuple[Any, ...]]:
    return [
        (
            c.first_name,
            c.last_name,
            c.country,
            c.account_id,
            c.custom_attributes,
            sorted((i.kind.value, i.value) for i in c.identifiers),
        )
        for c in session.scalars(select(Contact).order_by(Contact.id))
    ]


def _summary(report: ImportReport) -> tuple[Any, ...]:
    return (
        dict(report.counts),
        [(f.number, f.problems, f.values) for f in report.failures],
        report.extra_columns,
        report.aborted,
    )


def test_pipelined_import_equals_the_serial_one(
    tenant: Tenant, other_tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = []
    real_start = pipeline._context

    def counting_context() -> Any:
        started.append(True)
        return real_start()

    monkeypatch.setattr(pipeline, "_context", counting_context)
    path = _csv(tmp_path / "contacts.csv", 230)
    for workspace in (tenant, other_tenant):  # the same existing contact in both workspaces
        with workspace.session() as session:
            create_contact(
                session,
                workspace_id=workspace.workspace_id,
                data=ContactCreate(first_name="Old", emails=["p3@example.com"]),
            )
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: False)
    serial = _import(tenant, path, batch_size=20)
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: True)
    piped = _import(other_tenant, path, batch_size=20)
    assert started == [True]
    assert _summary(piped) == _summary(serial)
    assert serial.failed  # the file has bad rows
    assert serial.counts[RowStatus.UPDATED]  # and rows that complete earlier ones
    with tenant.session() as one:
        first = _state(one)
    with other_tenant.session() as two:
        assert _state(two) == first
    # a re-run, pipelined, finds everything
    again = _import(other_tenant, path, batch_size=20)
    assert again.counts == _import(tenant, path, batch_size=20).counts


def test_small_files_and_dry_runs_stay_in_process(
    tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: True)
    monkeypatch.setattr(pipeline, "_context", lambda: pytest.fail("no worker expected"))
    path = _csv(tmp_path / "contacts.csv", 30)
    assert _import(tenant, path, batch_size=50, dry_run=False).rows == 30  # one batch
    assert _import(tenant, path, batch_size=10, dry_run=True).rows == 30


def _fail_in_worker(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    parent = os.getpid()
    prepare = RowImporter.prepare

    def failing(self: RowImporter, rows: Any) -> Any:
        if os.getpid() != parent and any(row.number > 60 for row in rows):
            if how == "die":
                os._exit(3)
            raise RuntimeError("boom")
        return prepare(self, rows)

    monkeypatch.setattr(RowImporter, "prepare", failing)
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: True)


@pytest.mark.parametrize(
    ("how", "message"),
    [("raise", "failed: RuntimeError: boom"), ("die", "stopped unexpectedly (exit code 3)")],
)
def test_a_failing_worker_ends_the_import_cleanly(
    tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, message: str
) -> None:
    path = _csv(tmp_path / "contacts.csv", 100)
    _fail_in_worker(monkeypatch, how)
    report = _import(tenant, path, batch_size=20)
    assert report.aborted is not None
    assert message in report.aborted
    assert report.rows == 40  # the batches before the failing one were imported


def test_an_undecodable_byte_mid_file_aborts_like_a_serial_run(
    tenant: Tenant, other_tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path / "contacts.csv", 100)
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) * 3 // 4)
    path.write_bytes(data[:cut] + b"\n\xff\xfe,broken\n" + data[cut + 1 :])
    source = open_source(path, encoding="utf-8")
    importer = RowImporter(Entity.CONTACTS, {}, columns=source.columns)
    reports = []
    for enabled, workspace in ((False, tenant), (True, other_tenant)):
        monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda e=enabled: e)
        assert workspace.runtime is not None
        reports.append(
            run_import(
                workspace.runtime.session_factory,
                workspace_id=workspace.workspace_id,
                importer=importer,
                rows=source.rows(),
                batch_size=20,
            )
        )
    assert reports[0].aborted is not None
    assert "not valid utf-8" in reports[0].aborted
    assert _summary(reports[1]) == _summary(reports[0])
