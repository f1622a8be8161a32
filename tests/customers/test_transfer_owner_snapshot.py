"""The pipeline's worker looks up identifier owners on its own snapshot (owner_snapshot): a
snapshot older than the writer's last commits, or than another writer's, changes nothing."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.customers.transfer.importer import ImportReport, RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.outcomes import RowStatus
from cxhub.customers.transfer.owner_snapshot import KnownOwners, SnapshotLookup
from cxhub.customers.transfer.readers import open_source
from cxhub.customers.transfer.tasks import run_import
from tests.factories import Tenant

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the tests patch the worker through fork",
)
EMAIL = IdentifierKind.EMAIL


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["Email,Phone,First Name,Last Name", *rows]) + "\n", "utf-8")
    return path


def _people(n: int) -> list[str]:
    return [f"p{i}@example.com,+39 3{i:09d},Ada{i}," for i in range(n)]


def _import(
    tenant: Tenant, path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[ImportReport, list[int]]:
    """A pipelined import in batches of 20; also returns the size of every batch written."""
    assert tenant.runtime is not None
    monkeypatch.setattr("cxhub.customers.transfer.tasks.pipeline_enabled", lambda: True)
    sizes: list[int] = []
    real = RowImporter.import_batch

    def recording(self: RowImporter, session: Session, **kwargs: Any) -> Any:
        sizes.append(len(kwargs["rows"]))
        return real(self, session, **kwargs)

    monkeypatch.setattr(RowImporter, "import_batch", recording)
    source = open_source(path)
    report = run_import(
        tenant.runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=RowImporter(Entity.CONTACTS, {}, columns=source.columns),
        rows=source.rows(),
        batch_size=20,
        **options,
    )
    return report, sizes


def _stale_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker answers as if its snapshot predated every commit: nothing is known yet."""
    monkeypatch.setattr(SnapshotLookup, "__call__", lambda self, records: (0, {}))


def _holders(tenant: Tenant, value: str) -> list[int]:
    with tenant.session() as session:
        return list(
            session.scalars(
                select(ContactIdentifier.contact_id).where(ContactIdentifier.value == value)
            )
        )


@needs_fork
@pytest.mark.parametrize("stale", [False, True])
def test_a_later_batch_repeating_an_identifier_gives_one_contact(
    tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stale: bool
) -> None:
    if stale:
        _stale_snapshots(monkeypatch)
    rows = _people(70)
    rows[55] = "p5@example.com,+39 3999999999,,King"  # batch 3 repeats row 6's email
    report, sizes = _import(tenant, _csv(tmp_path / "c.csv", rows), monkeypatch)
    assert report.counts[RowStatus.CREATED] == 69
    assert report.counts[RowStatus.UPDATED] == 1
    assert not report.failures
    assert 1 not in sizes  # resolved from what this import committed, not by retrying rows
    (holder,) = _holders(tenant, "p5@example.com")
    assert _holders(tenant, "+393999999999") == [holder]
    with tenant.session() as session:
        contact = session.get(Contact, holder)
        assert contact is not None
        assert (contact.first_name, contact.last_name) == ("Ada5", "King")


@needs_fork
@pytest.mark.parametrize("stale", [False, True])
def test_a_contact_created_through_the_api_between_batches_is_matched(
    tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stale: bool
) -> None:
    if stale:
        _stale_snapshots(monkeypatch)
    created: list[int] = []

    def after_batch(done: int) -> None:
        if done == 20:  # between the first and the second batch, another writer adds p30
            with tenant.session() as session:
                contact = create_contact(
                    session,
                    workspace_id=tenant.workspace_id,
                    data=ContactCreate(first_name="Api", emails=["p30@example.com"]),
                )
                session.flush()
                created.append(contact.id)

    report, _ = _import(
        tenant, _csv(tmp_path / "c.csv", _people(70)), monkeypatch, on_batch=after_batch
    )
    assert report.counts[RowStatus.CREATED] == 69
    assert report.counts[RowStatus.UPDATED] == 1
    assert not report.failures
    assert _holders(tenant, "p30@example.com") == created
    assert _holders(tenant, "+393000000030") == created
    with tenant.session() as session:
        contact = session.get(Contact, created[0])
        assert contact is not None
        assert contact.first_name == "Api"  # filled blanks only
    again, _ = _import(tenant, _csv(tmp_path / "c.csv", _people(70)), monkeypatch)
    assert again.counts[RowStatus.UNCHANGED] == 70  # and a re-run finds everything


def test_known_owners_keep_only_commits_a_snapshot_may_have_missed() -> None:
    known = KnownOwners(multiprocessing.RawValue("q", 0))
    a, b, c = ((EMAIL, f"{n}@example.com") for n in "abc")
    known.wrote({a: 1})
    known.committed()  # commit 1
    known.wrote({b: 2})
    known.rolled_back()  # never visible
    known.wrote({c: 3})
    known.committed()  # commit 2
    assert known.commits.value == 2
    assert known.owners((0, {}), {a, b, c}) == {a: 1, c: 3}
    assert known.owners((1, {a: 1}), {a, b, c}) == {a: 1, c: 3}
    assert known.owners((2, {a: 1, c: 3}), {a, c}) == {a: 1, c: 3}
    assert known.owners((2, {}), {a, c}) == {}  # commits up to 2 are in the snapshot itself
