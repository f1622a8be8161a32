"""The import use case for one batch of rows: map, validate, write. Never commits.

`RowImporter` is built once per file (entity, `--map` options, how to read naive times) and then
fed batches; the edge (`tasks.run_import`, the CLI, a job) decides where transactions begin and
end. Preparing a batch is pure, so a row with a bad cell fails alone, before any query, and the
report names its column; only the valid rows reach the entity's batch writer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sqlalchemy.orm import Session

from cxhub.customers.transfer.accounts_import import import_account_batch
from cxhub.customers.transfer.contact_prep import ContactPreparer
from cxhub.customers.transfer.contacts_import import import_contact_batch
from cxhub.customers.transfer.interaction_records import interaction_record
from cxhub.customers.transfer.interactions_import import import_interaction_batch
from cxhub.customers.transfer.mapping import (
    EXTRA_PREFIX,
    ColumnPlan,
    Entity,
    MappingError,
    plan_columns,
)
from cxhub.customers.transfer.outcomes import RowOutcome, RowStatus
from cxhub.customers.transfer.owner_snapshot import KnownOwners
from cxhub.customers.transfer.readers import SourceRow
from cxhub.customers.transfer.records import RowInvalid, account_record, map_row

_MAX_PLANS = 64  # JSON Lines rows may differ in keys; plans are cached per key set


@dataclass
class FailedRow:
    number: int
    problems: list[tuple[str | None, str]]
    values: dict[str, Any]

    @property
    def message(self) -> str:
        return "; ".join(message for _, message in self.problems)

    @property
    def columns(self) -> str:
        return ", ".join(dict.fromkeys(column for column, _ in self.problems if column))


@dataclass
class ImportReport:
    """Counts per outcome, the failed rows with their original values, and batch timings."""

    entity: Entity
    counts: dict[RowStatus, int] = field(default_factory=lambda: dict.fromkeys(RowStatus, 0))
    failures: list[FailedRow] = field(default_factory=list)
    batch_seconds: list[float] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    aborted: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> int:
        return self.counts[RowStatus.FAILED]

    def add(self, outcomes: Sequence[RowOutcome], rows: Sequence[SourceRow]) -> None:
        counts = self.counts
        failed = False
        for outcome in outcomes:
            counts[outcome.status] += 1
            failed = failed or outcome.status is RowStatus.FAILED
        if not failed:
            return
        values = {row.number: row.values for row in rows}
        for outcome in outcomes:
            if outcome.status is RowStatus.FAILED:
                self.failures.append(
                    FailedRow(
                        outcome.number,
                        [(p.column, p.message) for p in outcome.problems],
                        values.get(outcome.number, {}),
                    )
                )

    def summary(self) -> str:
        parts = ", ".join(f"{self.counts[s]} {s.value}" for s in RowStatus)
        prefix = "dry run, nothing saved: " if self.dry_run else ""
        return f"{self.entity.value}: {prefix}{self.rows} rows: {parts}"


Writer = Callable[..., list[RowOutcome]]
_WRITERS: dict[Entity, Writer] = {
    Entity.ACCOUNTS: import_account_batch,
    Entity.CONTACTS: import_contact_batch,
    Entity.INTERACTIONS: import_interaction_batch,
}


class RowImporter:
    """Imports batches of source rows of one entity with one column mapping."""

    def __init__(
        self,
        entity: Entity,
        mapping: dict[str, str] | None = None,
        *,
        columns: list[str] | None = None,
        naive_timezone: tzinfo | None = None,
    ) -> None:
        self.entity = entity
        self.mapping = mapping or {}
        self.naive_timezone = naive_timezone
        self._plans: dict[tuple[str, ...], ColumnPlan] = {}
        self._contact_preparers: dict[int, ContactPreparer] = {}
        self.extra_columns: dict[str, None] = {}
        # Set by the pipeline while its worker looks up identifier owners (owner_snapshot).
        self.known_owners: KnownOwners | None = None
        if columns is not None:  # CSV: check --map against the header before reading rows
            self._plan(tuple(columns), check_sources=True)

    def _plan(self, columns: tuple[str, ...], *, check_sources: bool = False) -> ColumnPlan:
        plan = self._plans.get(columns)
        if plan is None:
            plan = plan_columns(
                self.entity, list(columns), self.mapping, check_sources=check_sources
            )
            if len(self._plans) < _MAX_PLANS:
                self._plans[columns] = plan
            self.extra_columns.update(dict.fromkeys(plan.extras))
        return plan

    def _contact_preparer(self, plan: ColumnPlan) -> ContactPreparer:
        preparer = self._contact_preparers.get(id(plan))
        if preparer is None or preparer.plan is not plan:
            preparer = ContactPreparer(plan)
            if len(self._contact_preparers) < _MAX_PLANS:
                self._contact_preparers[id(plan)] = preparer
        return preparer

    def prepare(self, rows: Sequence[SourceRow]) -> tuple[list[Any], list[RowOutcome]]:
        """Validate rows into records (pure); rows that cannot be records become failures.

        A batch prepared ahead in another process (`pipeline.PreparedBatch`) carries the result.
        """
        prepared = getattr(rows, "prepared", None)
        if prepared is not None:
            return prepared  # type: ignore[no-any-return]
        records: list[Any] = []
        failures: list[RowOutcome] = []
        contacts = self.entity is Entity.CONTACTS
        for row in rows:
            if row.error is not None:
                failures.append(RowOutcome.failed(row.number, None, row.error))
                continue
            try:
                plan = self._plan(tuple(row.values))
                if contacts:
                    records.append(self._contact_preparer(plan)(row.number, row.values))
                    continue
                mapped = map_row(plan, row.values)
                if self.entity is Entity.ACCOUNTS:
                    records.append(account_record(row.number, mapped))
                else:
                    records.append(
                        interaction_record(row.number, mapped, naive_timezone=self.naive_timezone)
                    )
            except RowInvalid as exc:
                failures.append(RowOutcome(row.number, RowStatus.FAILED, exc.problems))
            except MappingError as exc:  # a JSON Lines row whose keys clash (e.g. two names)
                failures.append(RowOutcome.failed(row.number, None, str(exc)))
        return records, failures

    def import_batch(
        self, session: Session, *, workspace_id: int, rows: Sequence[SourceRow]
    ) -> list[RowOutcome]:
        """Import one batch inside the caller's transaction; one outcome per row, in row order."""
        records, failures = self.prepare(rows)
        snapshot = getattr(rows, "owners", None)
        if self.entity is Entity.CONTACTS and self.known_owners is not None:
            written = import_contact_batch(
                session,
                workspace_id=workspace_id,
                records=records,
                snapshot=snapshot,
                known=self.known_owners,
            )
        else:
            written = _WRITERS[self.entity](session, workspace_id=workspace_id, records=records)
        session.flush()
        if not failures and len(written) == len(rows):  # writers answer in record = row order
            return written
        by_number = {o.number: o for o in [*failures, *written]}
        numbers = getattr(rows, "numbers", None) or [row.number for row in rows]
        return [by_number[number] for number in numbers]

    def batch_committed(self) -> None:
        """The edge committed the last batch: what it wrote is now visible to everyone."""
        if self.known_owners is not None:
            self.known_owners.committed()

    def batch_rolled_back(self) -> None:
        if self.known_owners is not None:
            self.known_owners.rolled_back()

    @property
    def extra_target(self) -> str:
        return EXTRA_PREFIX[self.entity].rstrip(".")
