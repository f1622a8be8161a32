"""Building the path-prefix rollup from scratch (ADR 0030): every touchpoint of the workspace,
recorded ones and page views from the usage store, through the Ibis definition
`metrics.path_prefixes` on embedded DuckDB, written over the workspace's rows. For existing
data after the migration, and for page views that reached the store later than the journeys
scan looks back (`cxhub journeys rebuild-paths`, the job `journeys.rebuild_paths`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from cxhub.analytics import engine
from cxhub.experience.journeys import metrics
from cxhub.experience.journeys.analytics import touchpoints_table
from cxhub.experience.journeys.models import JourneyPathPrefix
from cxhub.experience.journeys.paths import BEGINNING, CHUNK, END_OF_TIME, PREFIX_SCHEMA, utc
from cxhub.experience.touchpoints.models import Touchpoint


def rollup_missing(session: Session, *, workspace_id: int) -> bool:
    """Does the workspace hold recorded touchpoints but no rollup row at all? That is a database
    upgraded past migration 0030 whose rollup was never built: the periodic journeys scan then
    builds it, so nobody has to remember `cxhub journeys rebuild-paths`."""
    has_touchpoints = session.scalar(
        select(exists().where(Touchpoint.workspace_id == workspace_id))
    )
    if not has_touchpoints:
        return False
    has_rows = session.scalar(
        select(exists().where(JourneyPathPrefix.workspace_id == workspace_id))
    )
    return not has_rows


def rebuild_paths(session: Session, *, workspace_id: int, data_dir: Path) -> int:
    """Replace the workspace's rollup with one computed from all its touchpoints; answers how
    many customers have a path.

    It reads in the writing session, under SQLite's write lock, unlike the scan's other
    readers: it replaces every row, so a snapshot older than the write would erase what a
    `journeys.apply_touchpoint` job committed in between (a recorded touchpoint is folded in
    once, not re-read by a later scan). It runs on demand and once after an upgrade."""
    with engine.connected(engine.EngineConfig()) as backend:
        touchpoints = touchpoints_table(
            session,
            backend,
            workspace_id=workspace_id,
            data_dir=data_dir,
            since=BEGINNING,
            until=END_OF_TIME,
            web_visits=True,
        )
        table = backend.to_pyarrow(metrics.path_prefixes(touchpoints))
    session.execute(
        delete(JourneyPathPrefix)
        .where(JourneyPathPrefix.workspace_id == workspace_id)
        .execution_options(synchronize_session=False)
    )
    timestamps = [name for name in PREFIX_SCHEMA.names if PREFIX_SCHEMA[name].is_timestamp()]
    written = 0
    for batch in table.to_batches(CHUNK):
        rows = batch.to_pylist()
        for row in rows:
            row["workspace_id"] = workspace_id
            for name in timestamps:
                if row[name] is not None:
                    row[name] = utc(row[name])
        if rows:
            session.execute(insert(JourneyPathPrefix), rows)
            written += len(rows)
    return written
