"""The edge of a long import: one transaction per batch, so work survives a failing batch.

A batch that the database rejects as a whole (a concurrent writer took an email between our
lookup and our insert, a value PostgreSQL refuses) is rolled back and retried row by row, each
row in its own transaction, so the good rows of that batch still land and the bad one is
reported with the database's reason. Batches committed before stay committed.

A dry run does everything in one transaction, with a savepoint per batch, and rolls it all back:
rows later in the file then resolve against rows earlier in it exactly as a real run would, so
the dry run's counts are the real run's counts.

On two cores, a real run of a whole file reads and validates the next batch in a worker process
while this one writes the current batch (see pipeline); the transactions, retries and report
are the same.

The cyclic garbage collector is off while the batches run and collects the young generations
every `_COLLECT_EVERY` batches instead, with what existed before the import frozen: a batch's
thousands of containers (records, rows, parameters) live until its commit, so they outlived
the young generations and set off full collections that walked the whole heap, 1.9 s of 7 s
for 100,000 contacts (measured with gc.callbacks; 0.03 s now). Nothing else changes: reference
counting still frees almost everything at once, and the collector is back on afterwards.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from itertools import islice

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import unit_of_work, workspace_session_info
from cxhub.core.heap import young_collections_only
from cxhub.customers.transfer.importer import ImportReport, RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.outcomes import RowOutcome
from cxhub.customers.transfer.owner_snapshot import SnapshotLookup
from cxhub.customers.transfer.pipeline import pipeline_enabled, pipelined_batches
from cxhub.customers.transfer.readers import ReadError, SourceRow, SourceRows

DEFAULT_BATCH_SIZE = 2000
# The cyclic GC is off during an import and collects every this many batches (module docs).
_COLLECT_EVERY = 16
Progress = Callable[[int], None]


def _database_reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    return "database refused the row: " + (str(original).strip().splitlines() or ["?"])[0]


def _batches(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while batch := list(islice(rows, size)):
        yield batch


def _owner_lookup(
    factory: sessionmaker[Session], importer: RowImporter, workspace_id: int
) -> SnapshotLookup | None:
    """Contacts into a SQLite file: the worker also looks up identifier owners (owner_snapshot)."""
    engine = factory.kw.get("bind")
    if importer.entity is not Entity.CONTACTS or not isinstance(engine, Engine):
        return None
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return SnapshotLookup(url.render_as_string(hide_password=False), workspace_id)


def _batches_of(
    rows: Iterator[SourceRow],
    importer: RowImporter,
    size: int,
    *,
    dry_run: bool,
    lookup: Callable[[], SnapshotLookup | None],
) -> Iterator[Sequence[SourceRow]]:
    """Batches prepared ahead in a worker process when `rows` are a whole file (see pipeline)."""
    if isinstance(rows, SourceRows) and not rows.started and not dry_run and pipeline_enabled():
        return pipelined_batches(rows.source, rows, importer, size, lookup=lookup())
    return _batches(rows, size)


def run_import(
    factory: sessionmaker[Session],
    *,
    workspace_id: int,
    importer: RowImporter,
    rows: Iterator[SourceRow],
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_batch: Progress | None = None,
) -> ImportReport:
    """Import `rows` batch by batch; `on_batch(rows_done)` is called after each batch."""
    report = ImportReport(importer.entity, dry_run=dry_run)
    shared = factory(info=workspace_session_info(workspace_id)) if dry_run else None

    @contextmanager
    def scope() -> Iterator[Session]:
        if shared is None:
            with unit_of_work(factory, workspace_id) as session:
                yield session
        else:
            with shared.begin_nested():
                yield shared

    def attempt(
        batch: Sequence[SourceRow], open_scope: Callable[[], AbstractContextManager[Session]]
    ) -> list[RowOutcome]:
        try:
            with open_scope() as session:
                outcomes = importer.import_batch(session, workspace_id=workspace_id, rows=batch)
        except BaseException:
            importer.batch_rolled_back()
            raise
        importer.batch_committed()
        return outcomes

    batches = _batches_of(
        rows,
        importer,
        batch_size,
        dry_run=dry_run,
        lookup=lambda: _owner_lookup(factory, importer, workspace_id),
    )
    collecting = gc.isenabled()
    try:
        # Nothing that exists before the import is its garbage: collections skip it.
        with young_collections_only():
            # A batch's time runs from asking for it (reading, or waiting for the worker) to commit.
            started = time.perf_counter()
            for batch in batches:
                try:
                    outcomes = attempt(batch, scope)
                except SQLAlchemyError:
                    outcomes = []
                    for row in batch:
                        try:
                            outcomes.extend(attempt([row], scope))
                        except SQLAlchemyError as exc:
                            outcomes.append(
                                RowOutcome.failed(row.number, None, _database_reason(exc))
                            )
                report.add(outcomes, batch)
                report.batch_seconds.append(time.perf_counter() - started)
                if on_batch is not None:
                    on_batch(report.rows)
                if collecting and len(report.batch_seconds) % _COLLECT_EVERY == 0:
                    gc.collect(1)  # the batches' cyclic garbage, without walking older objects
                started = time.perf_counter()
    except ReadError as exc:  # e.g. undecodable bytes mid-file: keep what was imported, say so
        report.aborted = str(exc)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # stops the worker process, if any, whatever happened
        if shared is not None:
            shared.rollback()
            shared.close()
    report.extra_columns = list(importer.extra_columns)
    return report
