"""The daily rescore of every account of a workspace (the `health.rescore` job; docs/health.md).
It never commits by itself: the job or request edge commits (ADR 0002), and may pass its commit
as `between_chunks` to have the scores written a chunk of accounts per transaction (ADR 0040).

Column-wise from the inputs to the insert (ADR 0031): the inputs of all accounts come as one
array per metric (`health_inputs.account_input_table`), each scorecard scores them with one
NumPy operation per component (`health_columns.score_columns`, the same floats as the
per-account `score_account_data`), and the rows go straight to the driver with a compact
breakdown (`health_breakdown`), after a delete of the day's rows (of all accounts, or of the
chunk's): multi-row statements on SQLite (`core.multirow`), `executemany` in batches on
PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
from sqlalchemy import Table, and_, delete, func, insert, select
from sqlalchemy.orm import Session

from cxhub.analytics.engine import EngineConfig
from cxhub.analytics.health_breakdown import encode_breakdowns, floats_or_none
from cxhub.analytics.health_columns import ScoredColumns, score_columns
from cxhub.analytics.health_inputs import account_input_table
from cxhub.core.events import publish
from cxhub.core.multirow import multirow_insert
from cxhub.customers.accounts import service as accounts
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.health.models import AccountHealthScore
from cxhub.success.health.service import default_scorecard, definition_of, list_scorecards

T = TypeVar("T")

WRITE_BATCH = 50_000
# Rows per transaction when the caller commits between chunks (`between_chunks`): on SQLite a
# chunk holds the one write lock ~20-50 ms, so agents' writes wait that long, not a whole
# workspace's write (~1 s at 100,000 accounts; docs/benchmarks.md).
WRITE_CHUNK = 5_000


@dataclass(frozen=True)
class RescoreSummary:
    day: date
    scored: int
    insufficient_data: int
    band_changes: int


@contextmanager
def phase(spent: dict[str, float], name: str) -> Iterator[None]:
    """Add the wall seconds of the block to `spent[name]` and its CPU seconds (this process,
    every thread) to `spent[name + "_cpu"]`: the benchmark reports both (the machine is shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - wall
        spent[f"{name}_cpu"] = spent.get(f"{name}_cpu", 0.0) + time.process_time() - cpu


#: Accounts looked up by id at a time when the latest scored day lacks them.
_LOOKUP_CHUNK = 500


def _previous(
    session: Session, *, scorecard_id: int, day: date, account_ids: Sequence[int]
) -> dict[int, tuple[str | None, float | None]]:
    """Each of `account_ids`' (band, score) on its latest scored day before `day` (and those of
    other accounts scored on the scorecard's latest day: harmless extras).

    Read from the scorecard's latest scored day, then, for the accounts that day lacks (new,
    or a run that stopped part-way), by account. Grouping the scorecard's whole history by
    account instead read every score ever written: a year of daily scores of 100,000
    accounts is 36.5 million rows, on every rescore."""
    latest_day = session.scalar(
        select(func.max(AccountHealthScore.day)).where(
            AccountHealthScore.scorecard_id == scorecard_id, AccountHealthScore.day < day
        )
    )
    if latest_day is None:
        return {}
    found: dict[int, tuple[str | None, float | None]] = {
        int(account): (band, score)
        for account, band, score in session.execute(
            select(
                AccountHealthScore.account_id, AccountHealthScore.band, AccountHealthScore.score
            ).where(
                AccountHealthScore.scorecard_id == scorecard_id,
                AccountHealthScore.day == latest_day,
            )
        )
    }
    missing = [a for a in account_ids if a not in found]
    for start in range(0, len(missing), _LOOKUP_CHUNK):
        chunk = missing[start : start + _LOOKUP_CHUNK]
        latest = (
            select(
                AccountHealthScore.account_id,
                func.max(AccountHealthScore.day).label("day"),
            )
            .where(
                AccountHealthScore.scorecard_id == scorecard_id,
                AccountHealthScore.account_id.in_(chunk),
                AccountHealthScore.day < latest_day,
            )
            .group_by(AccountHealthScore.account_id)
            .subquery()
        )
        rows = session.execute(
            select(
                AccountHealthScore.account_id, AccountHealthScore.band, AccountHealthScore.score
            ).join(
                latest,
                and_(
                    AccountHealthScore.account_id == latest.c.account_id,
                    AccountHealthScore.day == latest.c.day,
                    AccountHealthScore.scorecard_id == scorecard_id,
                ),
            )
        )
        found.update((int(a), (band, score)) for a, band, score in rows)
    return found


_SCORE_COLUMNS = (
    "workspace_id, account_id, scorecard_id, day, score, band, coverage, components, computed_at"
)
# SQLite: the statement's head, `core.multirow` appends the VALUES groups.
_INSERT_SCORES_SQLITE_HEAD = f"INSERT INTO account_health_scores ({_SCORE_COLUMNS})"
_INSERT_SCORES_POSTGRESQL = (
    f"INSERT INTO account_health_scores ({_SCORE_COLUMNS}) "  # noqa: S608 - constants only
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
)
_ROW_KEYS = ("account_id", "score", "band", "coverage", "components")


def _insert_scores(
    session: Session,
    columns: tuple[list[int], list[float | None], list[str | None], list[float], list[str]],
    *,
    workspace_id: int,
    scorecard_id: int,
    day: date,
    computed_at: datetime,
) -> None:
    """Straight to the driver with the JSON already encoded: the ORM's per-value processing cost
    more than scoring (as in `usage.service.append_events`). `columns` are parallel lists:
    account ids, scores, bands, coverages and breakdowns."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - the supported databases
        fixed = {"workspace_id": workspace_id, "scorecard_id": scorecard_id, "day": day,
                 "computed_at": computed_at}  # fmt: skip
        session.execute(
            insert(cast(Table, AccountHealthScore.__table__)),
            [fixed | dict(zip(_ROW_KEYS, row, strict=True)) for row in zip(*columns, strict=True)],
        )
        return
    moment: Any = computed_at
    day_value: Any = day
    if dialect == "sqlite":  # the text SQLAlchemy's SQLite Date/DateTime store
        moment = computed_at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        day_value = day.isoformat()
    account_ids, scores, bands, coverages, breakdowns = columns
    rows = list(
        zip(
            repeat(workspace_id), account_ids, repeat(scorecard_id), repeat(day_value), scores,
            bands, coverages, breakdowns, repeat(moment), strict=False,
        )
    )  # fmt: skip
    if dialect == "sqlite":  # multi-row statements: see core.multirow for why
        multirow_insert(session.connection(), _INSERT_SCORES_SQLITE_HEAD, rows)
        return
    for start in range(0, len(rows), WRITE_BATCH):
        session.connection().exec_driver_sql(
            _INSERT_SCORES_POSTGRESQL, rows[start : start + WRITE_BATCH]
        )


def _publish_band_changes(
    session: Session,
    previous: dict[int, tuple[str | None, float | None]],
    *,
    workspace_id: int,
    scorecard_id: int,
    day: date,
    account_ids: list[int],
    scores: list[float | None],
    bands: list[str | None],
) -> int:
    """`HealthBandChanged` for each account whose band differs from its previous scored day's,
    in account order; returns how many. `previous` is `_previous` of the scorecard."""
    changes = 0
    for account_id, score, band in zip(account_ids, scores, bands, strict=True):
        before = previous.get(account_id)
        if before is None or before[0] == band:
            continue
        changes += 1
        publish(
            session,
            HealthBandChanged(
                workspace_id=workspace_id,
                account_id=account_id,
                scorecard_id=scorecard_id,
                day=day,
                previous_band=before[0],
                band=band,
                previous_score=before[1],
                score=score,
            ),
        )
    return changes


def _pick(column: list[T], positions: list[int]) -> list[T]:
    return [column[i] for i in positions]


def _still_there(session: Session, account_ids: list[int], start: int, stop: int) -> list[int]:
    """Positions `start`..`stop` of `account_ids` whose account still exists (all, usually)."""
    if start >= stop:
        return []
    existing = accounts.account_ids_between(
        session, low=account_ids[start], high=account_ids[stop - 1]
    )
    return [i for i in range(start, stop) if account_ids[i] in existing]


def rescore_workspace(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    data_dir: Path,
    timings: dict[str, float] | None = None,
    engine_config: EngineConfig | None = None,
    reader: Session | None = None,
    between_chunks: Callable[[], None] | None = None,
    chunk_size: int = WRITE_CHUNK,
) -> RescoreSummary:
    """Today's score of every account of the workspace with every active scorecard (the
    default one at least); a day scored again is overwritten. `timings` receives wall seconds
    per phase (sql, events, combine, score, delete, write, commit) and CPU seconds
    (`<phase>_cpu`);
    `engine_config` chooses where the usage aggregation runs (default embedded DuckDB).

    `reader`, a read-only session of the same workspace, reads the inputs and the previous
    bands: on SQLite `session` then takes the database's one write lock only for the delete and
    insert at the end, not for the seconds of reading (agents' writes would wait that long).
    Its read transaction is ended once they are read, so it does not pin the WAL (SQLite) or sit
    idle in a transaction (PostgreSQL) while the scores are written.

    `between_chunks` (the caller's commit, ADR 0040): when given, it is called once the
    scorecards are read and then after each chunk of `chunk_size` accounts (their day's rows
    deleted and inserted, their band changes published), so scoring runs outside a transaction
    and a transaction holds SQLite's write lock for one chunk. Each account always has exactly
    one row for the day; a reader may see some accounts rescored and others not yet, and a run
    that fails part-way leaves the written chunks (the next run overwrites them). Without it
    everything is one transaction. Accounts deleted while the run scored are skipped."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    spent = timings if timings is not None else {}
    day = as_of.date()
    source = reader if reader is not None else session
    table = account_input_table(
        source,
        workspace_id=workspace_id,
        as_of=as_of,
        data_dir=data_dir,
        timings=spent,
        engine_config=engine_config,
    )
    # Previous bands before the first write: on SQLite that write takes the lock.
    account_ids: list[int] = table.account_ids.tolist()
    previous = {
        c.id: _previous(source, scorecard_id=c.id, day=day, account_ids=account_ids)
        for c in list_scorecards(source)
    }
    if reader is not None:
        reader.rollback()  # inputs read: end the read transaction (see the docstring)
    default = default_scorecard(session, workspace_id=workspace_id)
    # Plain values, read once before the first write.
    cards = [
        (c.id, definition_of(c)) for c in list_scorecards(session) if c.active or c.id == default.id
    ]
    if between_chunks is not None:
        # Those reads began the session's transaction, which on SQLite holds the write lock
        # (ADR 0035): end it (and store a default scorecard just created) before scoring.
        between_chunks()
    if any(later <= earlier for earlier, later in pairwise(account_ids)):
        raise ValueError("account_input_table must list each account once, ascending")
    step = chunk_size if between_chunks is not None else max(1, len(account_ids))
    scored = insufficient = band_changes = 0
    for card_id, definition in cards:
        with phase(spent, "score"):
            result: ScoredColumns = score_columns(definition, table.columns, size=len(account_ids))
            scores: list[float | None] = floats_or_none(result.score)
            bands = result.band_names()
            coverages: list[float] = result.coverage.tolist()
            insufficient += int(np.isnan(result.score).sum())
            scored += len(account_ids)
        with phase(spent, "write"):
            breakdowns = encode_breakdowns(
                metrics=result.metrics, weights=result.weights, raw=result.raw, scores=result.scores
            )
        for start in range(0, max(1, len(account_ids)), step):
            stop = min(len(account_ids), start + step)
            with phase(spent, "delete"):  # nothing to delete unless the day was scored already
                # Contiguous id ranges: the first and last chunks are open-ended, so rows of
                # accounts not in the table (none, unless one was added meanwhile) go as before.
                ranges = [AccountHealthScore.scorecard_id == card_id, AccountHealthScore.day == day]
                if start > 0:
                    ranges.append(AccountHealthScore.account_id > account_ids[start - 1])
                if stop < len(account_ids):
                    ranges.append(AccountHealthScore.account_id <= account_ids[stop - 1])
                session.execute(
                    delete(AccountHealthScore)
                    .where(*ranges)
                    .execution_options(synchronize_session=False)
                )
            # Inside the write transaction: accounts deleted since the inputs were read get no
            # row (their foreign key would fail the chunk) and no band event.
            kept = _still_there(session, account_ids, start, stop)
            ids, chunk_scores, chunk_bands = (
                _pick(account_ids, kept),
                _pick(scores, kept),
                _pick(bands, kept),
            )
            band_changes += _publish_band_changes(
                session,
                previous.get(card_id, {}),  # a default scorecard created just now has none
                workspace_id=workspace_id,
                scorecard_id=card_id,
                day=day,
                account_ids=ids,
                scores=chunk_scores,
                bands=chunk_bands,
            )
            with phase(spent, "write"):
                _insert_scores(
                    session,
                    (ids, chunk_scores, chunk_bands, _pick(coverages, kept),
                     _pick(breakdowns, kept)),
                    workspace_id=workspace_id,
                    scorecard_id=card_id,
                    day=day,
                    computed_at=as_of,
                )  # fmt: skip
            if between_chunks is not None:
                with phase(spent, "commit"):
                    between_chunks()
    return RescoreSummary(day, scored, insufficient, band_changes)
