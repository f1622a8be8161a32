"""The path-prefix rollup kept up to date (ADR 0030): each customer's first ten collapsed
touchpoint steps in `journey_path_prefixes`, so the journey paths query is a group-by over one
row per customer instead of window functions over every touchpoint.

- `apply_touchpoints` folds new touchpoints in (`path_prefix.extend`): recorded touchpoints
  right after their commit (the `journeys.apply_touchpoint` job), page views by the periodic
  scan (`scan_page_views`, which re-reads an overlapping window; a re-read changes nothing).
  A touchpoint that lands inside an earlier run of another kind cannot be folded in exactly,
  so that customer is recomputed from all their touchpoints (`recompute_contacts`).
- Erasure and merges recompute or forget the rows of the people concerned.
- `path_rebuild.rebuild_paths` builds the whole table from scratch (existing data, or a
  page view that arrived later than the scan's look-back).
Services never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cxhub.analytics.usage_events import open_events
from cxhub.customers.contacts.service import contact_ids_by_external_id, external_id_contact_pairs
from cxhub.experience.journeys.models import JourneyPathPrefix
from cxhub.experience.journeys.path_prefix import (
    MAX_PATH_STEPS,
    PathPrefix,
    Step,
    collapse,
    extend,
    start,
)
from cxhub.experience.touchpoints.models import KIND_PAGE_VIEW
from cxhub.experience.touchpoints.service import kinds_of_contacts

#: (contact_id, occurred_at, label) — one touchpoint as a path sees it.
PathTouchpoint = tuple[int, datetime, str]
#: (product user id, occurred_at) — one Segment `page` call, before its user is a contact.
PageView = tuple[str, datetime]
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9000, 1, 1, tzinfo=UTC)
CHUNK = 500
STEP_COLUMNS = tuple(name for n in range(MAX_PATH_STEPS) for name in (f"step_{n}", f"step_{n}_at"))
#: The rollup as the Ibis definitions read it (`metrics.prefix_path_counts`).
PREFIX_SCHEMA = ibis.schema(
    {
        "contact_id": "int64",
        "started_at": "timestamp(6)",
        "step_count": "int64",
        "last_at": "timestamp(6)",
        "last_label": "string",
        **{name: ("timestamp(6)" if name.endswith("_at") else "string") for name in STEP_COLUMNS},
    }
)


@dataclass(frozen=True)
class PathsApplied:
    touchpoints: int
    changed: int
    recomputed: int


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _prefix(row: JourneyPathPrefix) -> PathPrefix:
    steps = []
    for n in range(row.step_count):
        label, at = getattr(row, f"step_{n}"), getattr(row, f"step_{n}_at")
        steps.append(Step(str(label), utc(at)))
    return PathPrefix(tuple(steps), utc(row.last_at), row.last_label)


def _values(workspace_id: int, contact_id: int, prefix: PathPrefix) -> dict[str, Any]:
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "contact_id": contact_id,
        "started_at": prefix.started_at,
        "step_count": len(prefix.steps),
        "last_at": prefix.last_at,
        "last_label": prefix.last_label,
    }
    for n in range(MAX_PATH_STEPS):
        step = prefix.steps[n] if n < len(prefix.steps) else None
        values[f"step_{n}"] = step.label if step else None
        values[f"step_{n}_at"] = step.started_at if step else None
    return values


def _stored(session: Session, contact_ids: Sequence[int]) -> dict[int, JourneyPathPrefix]:
    found: dict[int, JourneyPathPrefix] = {}
    ids = sorted(set(contact_ids))
    for offset in range(0, len(ids), CHUNK):
        statement = select(JourneyPathPrefix).where(
            JourneyPathPrefix.contact_id.in_(ids[offset : offset + CHUNK])
        )
        for row in session.scalars(statement):
            found[row.contact_id] = row
    return found


def _replace(
    session: Session, *, workspace_id: int, prefixes: dict[int, PathPrefix | None]
) -> None:
    """Delete the contacts' rows and insert their new prefixes (None: no touchpoints)."""
    forget_contacts(session, contact_ids=list(prefixes))
    rows = [_values(workspace_id, c, p) for c, p in sorted(prefixes.items()) if p is not None]
    for offset in range(0, len(rows), CHUNK):
        session.execute(insert(JourneyPathPrefix), rows[offset : offset + CHUNK])


def _fold(
    stored: dict[int, JourneyPathPrefix], by_contact: dict[int, list[tuple[datetime, str]]]
) -> tuple[dict[int, PathPrefix | None], list[int]]:
    """The prefixes that folding each contact's touchpoints into their stored row changes, and
    the contacts the fold cannot answer (to recompute)."""
    changed: dict[int, PathPrefix | None] = {}
    again: list[int] = []
    for contact_id, items in sorted(by_contact.items()):
        row = stored.get(contact_id)
        before = _prefix(row) if row is not None else None
        prefix = before
        for at, label in sorted(items):
            prefix = start(at, label) if prefix is None else extend(prefix, at, label)
            if prefix is None:
                again.append(contact_id)
                break
        if prefix is not None and prefix != before:
            changed[contact_id] = prefix
    return changed, again


def apply_touchpoints(
    session: Session,
    *,
    workspace_id: int,
    touchpoints: Iterable[PathTouchpoint],
    data_dir: Path,
    page_views: bool = True,
) -> PathsApplied:
    """Fold touchpoints (in any order, repeats allowed) into their customers' prefixes; a
    customer the fold cannot answer exactly is recomputed from all their touchpoints."""
    by_contact: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    count = 0
    for contact_id, at, label in touchpoints:
        by_contact[contact_id].append((utc(at), label))
        count += 1
    changed, again = _fold(_stored(session, list(by_contact)), by_contact)
    _replace(session, workspace_id=workspace_id, prefixes=changed)
    recompute_contacts(
        session,
        workspace_id=workspace_id,
        contact_ids=again,
        data_dir=data_dir,
        page_views=page_views,
    )
    return PathsApplied(count, len(changed), len(again))


def _page_views_of(
    session: Session, *, workspace_id: int, contact_ids: set[int], data_dir: Path
) -> list[PathTouchpoint]:
    """Every page view of the contacts in the usage store (files and inbox), all time."""
    users = {user: c for user, c in external_id_contact_pairs(session) if c in contact_ids}
    if not users:
        return []
    connection = open_events(
        session,
        workspace_id=workspace_id,
        data_dir=data_dir,
        start=BEGINNING,
        end=END_OF_TIME,
        materialise=False,
    )
    with connection:
        rows = connection.execute(
            "SELECT user_id, timestamp FROM events WHERE type = 'page' "
            "AND list_contains(?, user_id)",
            [sorted(users)],
        ).fetchall()
    return [(users[user], utc(at), KIND_PAGE_VIEW) for user, at in rows]


def recompute_contacts(
    session: Session,
    *,
    workspace_id: int,
    contact_ids: Sequence[int],
    data_dir: Path,
    page_views: bool = True,
) -> int:
    """Rebuild the contacts' rows from all their touchpoints (the recorded ones, and their
    page views unless `page_views=False`: the erased-contact placeholder has none, its
    external id is reserved). Answers how many rows were written."""
    ids = set(contact_ids)
    if not ids:
        return 0
    touchpoints = kinds_of_contacts(session, contact_ids=sorted(ids))
    if page_views:
        touchpoints += _page_views_of(
            session, workspace_id=workspace_id, contact_ids=ids, data_dir=data_dir
        )
    grouped: dict[int, list[tuple[datetime, str]]] = {c: [] for c in ids}
    for contact_id, at, label in touchpoints:
        grouped[contact_id].append((utc(at), label))
    prefixes = {c: collapse(items) for c, items in grouped.items()}
    _replace(session, workspace_id=workspace_id, prefixes=prefixes)
    return sum(1 for p in prefixes.values() if p is not None)


def forget_contacts(session: Session, *, contact_ids: Sequence[int]) -> int:
    """Delete the contacts' rows (erasure, merges); answers how many went."""
    ids = sorted(set(contact_ids))
    removed = 0
    for offset in range(0, len(ids), CHUNK):
        result = session.execute(
            delete(JourneyPathPrefix)
            .where(JourneyPathPrefix.contact_id.in_(ids[offset : offset + CHUNK]))
            .execution_options(synchronize_session=False)
        )
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


def page_views_in(events: duckdb.DuckDBPyConnection) -> list[PageView]:
    """The distinct page views of known users in `events` (the periodic journeys scan's
    window, `scan.scan_window`). DuckDB only: no session, so it runs before any write."""
    rows = events.execute(
        "SELECT DISTINCT user_id, timestamp FROM events WHERE type = 'page' AND user_id IS NOT NULL"
    ).fetchall()
    return [(str(user), utc(at)) for user, at in rows]


def changing_page_views(reader: Session, *, page_views: Sequence[PageView]) -> list[PageView]:
    """The page views of the contacts whose prefix folding them would change (or recompute) in
    `reader`'s snapshot, read only; the rest are already counted. The users' contacts and
    stored rows are read here, in a read-only session, so that `scan_page_views` re-reads
    under SQLite's write lock only the rows it replaces.

    Dropping the others is safe although the write comes later: a prefix changes only by
    folding in more touchpoints (a page view it already counts stays counted, `extend`) or by
    a recompute or rebuild from all touchpoints, which include these page views. A contact
    erased or merged away meanwhile has no row to fold into, which is what skipping gives."""
    contacts = contact_ids_by_external_id(
        reader, external_ids=sorted({user for user, _ in page_views})
    )
    by_contact: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for user, at in page_views:
        if user in contacts:
            by_contact[contacts[user]].append((at, KIND_PAGE_VIEW))
    changed, again = _fold(_stored(reader, list(by_contact)), by_contact)
    moving = set(changed) | set(again)
    return [(user, at) for user, at in page_views if contacts.get(user) in moving]


def scan_page_views(
    session: Session,
    *,
    workspace_id: int,
    page_views: Sequence[PageView],
    data_dir: Path,
) -> PathsApplied:
    """Fold `page_views` (all of the window's, or the `changing_page_views`) into the rollup;
    `data_dir` serves the customers that must be recomputed from all their page views. The
    users are looked up again here: a merge since the preview may have moved an external id,
    an erasure removed one.

    That recompute (rare: a page view landing inside an earlier run of another kind) reads
    all the customer's page views under the write lock. Reading them in the preview instead
    is not safe: a merge committed in between has the winner recomputed with the loser's
    page views, and a recompute from the older snapshot would overwrite that without them."""
    contacts = contact_ids_by_external_id(
        session, external_ids=sorted({user for user, _ in page_views})
    )
    return apply_touchpoints(
        session,
        workspace_id=workspace_id,
        touchpoints=[
            (contacts[user], at, KIND_PAGE_VIEW) for user, at in page_views if user in contacts
        ],
        data_dir=data_dir,
    )


def prefix_frame(session: Session, *, since: datetime, until: datetime) -> dict[str, Sequence[Any]]:
    """The session workspace's rollup rows of the paths that started in `since <= t < until`,
    as naive-UTC columns in `PREFIX_SCHEMA` order (what `engine.record_table` registers)."""
    names = list(PREFIX_SCHEMA.names)
    rows = session.execute(
        select(*(getattr(JourneyPathPrefix, name) for name in names)).where(
            JourneyPathPrefix.started_at >= since, JourneyPathPrefix.started_at < until
        )
    ).all()
    frame: dict[str, Sequence[Any]] = {}
    for index, name in enumerate(names):
        values = [row[index] for row in rows]
        if PREFIX_SCHEMA[name].is_timestamp():
            values = [None if v is None else utc(v).replace(tzinfo=None) for v in values]
        frame[name] = values
    return frame
