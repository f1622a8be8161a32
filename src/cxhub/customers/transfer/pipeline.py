"""Read and validate the next batch in a second process while this one writes the current batch.

Preparing rows (decode, parse, map, validate, normalise) is pure, so with two cores
`tasks.run_import` can run it beside the writing: a worker process reads the file itself
(`SourceFile` is reopened there, so rows are not shipped in) and sends back, batch by batch
through a pipe, the prepared records and the rows as plain tuples, which pickle several times
cheaper than dataclasses. Everything else, the transactions, the retries row by row, the report,
stays in this process and is unchanged: a `PreparedBatch` is a sequence of `SourceRow` that also
carries its preparation, and `RowImporter.import_batch` uses it instead of preparing again.

Only with two cores (`CXHUB_IMPORT_PIPELINE=0` turns it off, see `pipeline_enabled` for the
measurements), only for a file read from its start, only when it has more than one batch (this
process reads and writes the first batch itself while the worker starts and skips it), and
never for a dry run. A read error in the worker ends the import like one here would
(`ReadError`, after the batches before it); a worker that crashes or dies becomes a `ReadError`
naming the cause, so the caller reports it and nothing waits forever.

Contacts into a SQLite file: the worker also looks up who already holds each batch's
identifiers, on its own read snapshot, which the writer corrects with its own later commits
(owner_snapshot); that took about 1.5 s per 100,000 contacts off the writing process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, overload

from cxhub.core.heap import no_cyclic_gc
from cxhub.customers.transfer.importer import RowImporter
from cxhub.customers.transfer.outcomes import RowOutcome
from cxhub.customers.transfer.owner_snapshot import KnownOwners, Snapshot, SnapshotLookup
from cxhub.customers.transfer.readers import FileFormat, ReadError, SourceFile, SourceRow
from cxhub.customers.transfer.records import ContactRecord

_POLL_SECONDS = 1.0


def _pack_record(record: Any) -> Any:
    if type(record) is ContactRecord:
        return (
            record.number,
            record.keys,
            record.fields,
            record.attributes,
            record.account_external_id,
            record.account_name,
            record.account_column,
        )
    return record  # other entities' records travel as they are


def _unpack_record(packed: Any) -> Any:
    return ContactRecord(*packed) if type(packed) is tuple else packed


class PreparedBatch(Sequence[SourceRow]):
    """A batch of rows prepared elsewhere: its `SourceRow`s are rebuilt only when asked for."""

    def __init__(
        self,
        header: list[str] | None,
        rows: list[tuple[int, Any, str | None]],
        records: list[Any],
        failures: list[RowOutcome],
        owners: Snapshot | None = None,
    ) -> None:
        self._header = header
        self._packed = rows
        self._rows: list[SourceRow] | None = None
        self.numbers = [row[0] for row in rows]
        self.prepared = ([_unpack_record(r) for r in records], failures)
        self.owners = owners  # the identifiers' existing owners, when the worker looked them up

    def _materialise(self) -> list[SourceRow]:
        if self._rows is None:
            header = self._header or []
            self._rows = [
                SourceRow(number, dict(zip(header, values, strict=False)), error)
                if type(values) is tuple
                else SourceRow(number, values, error)
                for number, values, error in self._packed
            ]
        return self._rows

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> SourceRow: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceRow]: ...
    def __getitem__(self, index: int | slice) -> SourceRow | Sequence[SourceRow]:
        return self._materialise()[index]


def _batches(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while batch := list(islice(rows, size)):
        yield batch


def _work(
    source: SourceFile,
    importer: RowImporter,
    batch_size: int,
    skip: int,
    out: Connection,
    lookup: SnapshotLookup | None,
) -> None:
    """The worker process: read, prepare and send every batch after the first `skip` rows,
    with, given a `lookup`, the existing owners of the batch's identifiers (owner_snapshot).

    `send` blocks while the pipe is full, so the worker runs at most a batch or two ahead.
    """
    csv_header = source.columns if source.format is FileFormat.CSV else None
    try:
        rows = source.read_rows()
        for _ in islice(rows, skip):
            pass
        sent_extras = 0
        gc.freeze()  # what the fork inherited is never garbage: keep collections off it
        for batch in _batches(rows, batch_size):
            gc.disable()  # as in the writer (see tasks): the batch lives until it is sent
            records, failures = importer.prepare(batch)
            packed_rows = [
                (
                    row.number,
                    tuple(row.values.values()) if csv_header is not None else row.values,
                    row.error,
                )
                for row in batch
            ]
            owners = lookup(records) if lookup is not None else None
            extras = list(importer.extra_columns)[sent_extras:]
            sent_extras += len(extras)
            out.send(
                (
                    "batch",
                    (packed_rows, [_pack_record(r) for r in records], failures, owners),
                    extras,
                    source.position,
                )
            )
            gc.enable()
        out.send(("end", None, [], source.size))
    except ReadError as exc:
        out.send(("aborted", str(exc), [], 0))
    except BaseException as exc:  # a bug must still reach the user, not hang the import
        out.send(("crashed", f"{type(exc).__name__}: {exc}", [], 0))
    finally:
        if lookup is not None:
            lookup.close()
        out.close()


def pipeline_enabled() -> bool:
    """On with two cores or more; `CXHUB_IMPORT_PIPELINE=0` turns it off.

    Measured on the 2-core reference machine, 100,000 contacts: 12,500-13,500 contacts/s
    pipelined against 11,300-11,600 in one process when the second core is free; the same
    (9.0-10.4 s against 9.2-10.7 s) when other work keeps that core busy. Since preparing got
    cheap (contact_prep) the writing process is the bottleneck, hence the modest gain.
    """
    setting = os.environ.get("CXHUB_IMPORT_PIPELINE", "1").strip().lower()
    if setting in {"0", "false", "no", "off"}:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores > 1


def _context() -> Any:
    # fork: the worker starts in milliseconds with everything imported; elsewhere, spawn.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _receive(receiver: Connection) -> Any:
    """One message; the cyclic GC is paused while it is unpickled: a batch is thousands of new
    containers, none garbage, and collecting during the load made it several times slower."""
    with no_cyclic_gc():
        return receiver.recv()


def pipelined_batches(
    source: SourceFile,
    rows: Iterator[SourceRow],
    importer: RowImporter,
    batch_size: int,
    *,
    lookup: SnapshotLookup | None = None,
) -> Iterator[Sequence[SourceRow]]:
    """The batches of `rows` (the unstarted rows of `source`), prepared ahead after the first.

    The first batch is read here; a worker is started only when it is full (more may follow).
    With a `lookup`, the worker also sends each batch's identifier owners, and `importer`
    keeps the keys written here meanwhile to correct them (owner_snapshot).
    """
    first = list(islice(rows, batch_size))
    close = getattr(rows, "close", None)
    if len(first) < batch_size:
        if first:
            yield first
        return
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    fresh = replace(source, _raw=None, read_position=None)
    known = None
    if lookup is not None:
        known = KnownOwners(context.RawValue("q", 0))
        lookup.commits = known.commits
    worker = context.Process(
        target=_work,
        args=(fresh, importer, batch_size, len(first), sender, lookup),
        name="cxhub-import-reader",
        daemon=True,
    )
    worker.start()
    importer.known_owners = known
    # Only the worker may hold the sending end: if it dies, reading here ends in EOFError.
    sender.close()
    header = source.columns if source.format is FileFormat.CSV else None
    try:
        if close is not None:
            close()
        yield first
        while True:
            try:
                while not receiver.poll(_POLL_SECONDS):
                    if not worker.is_alive() and not receiver.poll(0):
                        raise EOFError
                kind, payload, extras, position = _receive(receiver)
            except (EOFError, OSError):
                worker.join(timeout=_POLL_SECONDS)
                raise ReadError(
                    f"the process reading {source.path.name} stopped unexpectedly "
                    f"(exit code {worker.exitcode}); the batches before it were imported"
                ) from None
            importer.extra_columns.update(dict.fromkeys(extras))
            if kind == "end":
                return
            if kind == "aborted":
                raise ReadError(payload)
            if kind == "crashed":
                raise ReadError(f"reading {source.path.name} failed: {payload}")
            source.read_position = position
            packed_rows, records, failures, owners = payload
            yield PreparedBatch(header, packed_rows, records, failures, owners)
    finally:
        importer.known_owners = None
        source.read_position = None
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
