"""Journey analytics as the API, the pages and the CX dashboard ask for them: the inputs are
registered on the engine (stage entries and touchpoints from the system of record, web visits
straight from the usage store, ADR 0026), the Ibis definitions of `metrics.py` run there, and
`formulas.py` shapes the small results.

`run_analytics` takes Ibis tables and is what the benchmark times; `journey_analytics` and
`journey_funnel` read a workspace's data through the services first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from sqlalchemy.orm import Session

from cxhub.analytics import engine
from cxhub.core.errors import ValidationFailed
from cxhub.customers.contacts.service import external_id_contact_pairs
from cxhub.experience.journeys import formulas, metrics
from cxhub.experience.journeys.paths import PREFIX_SCHEMA, prefix_frame
from cxhub.experience.journeys.service import entry_frame, get_journey
from cxhub.experience.touchpoints.models import KIND_PAGE_VIEW
from cxhub.experience.touchpoints.service import touchpoint_frame
from cxhub.success.usage import service as usage
from cxhub.success.usage.storage import event_files

MAX_WINDOW_DAYS = 731
IDENTITY_SCHEMA = ibis.schema({"user_id": "string", "contact_id": "int64"})


@dataclass(frozen=True)
class StageTime:
    key: str
    position: int
    entered: int
    left: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class JourneyAnalytics:
    since: datetime
    until: datetime
    funnel: list[formulas.FunnelStage]
    time_in_stage: list[StageTime]
    sankey: dict[str, list[dict[str, Any]]]
    top_paths: list[dict[str, Any]]
    by_stage: list[tuple[str, formulas.ScoreSummary]]
    by_channel: list[tuple[str, str, formulas.ScoreSummary]]
    parts: tuple[str, ...] = field(default=())


PARTS = ("funnel", "time_in_stage", "paths", "scores")


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def aware_utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC (the system of record stores aware UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_window(since: datetime, until: datetime) -> None:
    if naive_utc(since) >= naive_utc(until):
        raise ValidationFailed("since must be before until", field="since")
    if (naive_utc(until) - naive_utc(since)).days > MAX_WINDOW_DAYS:
        raise ValidationFailed(f"the window is at most {MAX_WINDOW_DAYS} days", field="since")


def _rows(backend: BaseBackend, expression: ir.Table) -> list[dict[str, Any]]:
    return list(backend.to_pyarrow(expression).to_pylist())


def _materialise(backend: BaseBackend, expression: ir.Table, name: str) -> ir.Table:
    """`expression` as a DuckDB temp table, referenced by name with its known schema (Ibis's
    own `cache` does not work on a connection handed over with `from_connection`)."""
    backend._run_pre_execute_hooks(expression)  # registers in-memory inputs
    backend.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {backend.compile(expression)}")
    return ibis.table(expression.schema(), name=name)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def run_analytics(
    backend: BaseBackend,
    *,
    stages: Sequence[Mapping[str, Any]],
    entries: ir.Table,
    touchpoints: ir.Table,
    since: datetime,
    until: datetime,
    steps: int = metrics.DEFAULT_PATH_STEPS,
    top: int = 10,
    parts: Sequence[str] = PARTS,
    prefixes: ir.Table | None = None,
) -> JourneyAnalytics:
    """Run the asked `parts` of the analytics on `backend` and shape the answer. The paths
    are those of the journeys that started in the window (ADR 0030): from the path-prefix
    rollup `prefixes` when given (a group-by over one row per customer), otherwise by the
    exact definition over `touchpoints`, which must then reach back to each customer's first
    touchpoint (the reference the rollup is tested against)."""
    since, until = naive_utc(since), naive_utc(until)
    keys = [str(s["key"]) for s in stages]
    funnel: list[formulas.FunnelStage] = []
    times: list[StageTime] = []
    sankey: dict[str, list[dict[str, Any]]] = {"nodes": [], "links": []}
    paths: list[dict[str, Any]] = []
    by_stage: list[tuple[str, formulas.ScoreSummary]] = []
    by_channel: list[tuple[str, str, formulas.ScoreSummary]] = []
    if "funnel" in parts:
        counts = _rows(backend, metrics.furthest_stage_counts(entries, since=since, until=until))
        funnel = formulas.funnel(stages, {int(r["furthest"]): int(r["customers"]) for r in counts})
    if "time_in_stage" in parts:
        rows = _rows(backend, metrics.time_in_stage(entries, since=since, until=until))
        for row in sorted(rows, key=lambda r: int(r["position"])):
            if 0 <= int(row["position"]) < len(keys):
                times.append(
                    StageTime(
                        key=keys[int(row["position"])],
                        position=int(row["position"]),
                        entered=int(row["entered"]),
                        left=int(row["left"]),
                        median_seconds=_number(row["median_seconds"]),
                        p90_seconds=_number(row["p90_seconds"]),
                    )
                )
    if "paths" in parts:
        if prefixes is not None:
            counts = metrics.prefix_path_counts(prefixes, since=since, until=until, steps=steps)
        else:
            exact = metrics.started_path_steps(touchpoints, since=since, until=until, steps=steps)
            counts = metrics.steps_path_counts(exact, steps=steps)
        if backend.name == "duckdb":  # three reads of one group-by
            counts = _materialise(backend, counts, "journey_path_counts")
        sankey = formulas.sankey(
            _rows(backend, metrics.counted_nodes(counts, steps=steps)),
            _rows(backend, metrics.counted_links(counts, steps=steps)),
        )
        paths = [
            {
                "steps": [row[f"step_{n}"] for n in range(steps) if row[f"step_{n}"] is not None],
                "customers": int(row["customers"]),
            }
            for row in _rows(backend, metrics.counted_top_paths(counts, steps=steps, top=top))
        ]
    if "scores" in parts:
        stage_rows = _rows(
            backend, metrics.scores_by_stage(entries, touchpoints, since=since, until=until)
        )
        by_stage = [
            (keys[int(r["position"])], formulas.score_summary(r))
            for r in sorted(stage_rows, key=lambda r: int(r["position"]))
            if 0 <= int(r["position"]) < len(keys)
        ]
        channel_rows = _rows(
            backend, metrics.scores_by_channel(touchpoints, since=since, until=until)
        )
        by_channel = [
            (str(r["channel"]), str(r["kind"]), formulas.score_summary(r))
            for r in sorted(channel_rows, key=lambda r: (str(r["channel"]), str(r["kind"])))
        ]
    return JourneyAnalytics(
        since, until, funnel, times, sankey, paths, by_stage, by_channel, tuple(parts)
    )


def _entries_table(session: Session, journey_id: int, until: datetime) -> ir.Table:
    frame: dict[str, Sequence[Any]] = dict(entry_frame(session, journey_id=journey_id, until=until))
    frame["entered_at"] = [naive_utc(m) for m in frame["entered_at"]]
    return engine.record_table(frame, metrics.ENTRY_SCHEMA)


def touchpoints_table(
    session: Session,
    backend: BaseBackend,
    *,
    workspace_id: int,
    data_dir: Path,
    since: datetime,
    until: datetime,
    web_visits: bool,
) -> ir.Table:
    frame = dict(touchpoint_frame(session, since=since, until=until))
    frame.pop("account_id")
    frame["occurred_at"] = [naive_utc(m) for m in frame["occurred_at"]]
    recorded = engine.record_table(frame, metrics.TOUCHPOINT_SCHEMA)
    if not web_visits:
        return recorded
    pairs = external_id_contact_pairs(session)
    files = event_files(data_dir, workspace_id, start=since.date(), end=until.date())
    events = engine.usage_events(
        backend,
        files=[(f.path, f.day) for f in files],
        inbox=usage.inbox_events(session, start=since, end=until),
        data_dir=data_dir,
        start=since,
        end=until,
    )
    identities = engine.record_table(
        {"user_id": [p[0] for p in pairs], "contact_id": [p[1] for p in pairs]}, IDENTITY_SCHEMA
    )
    pages = events.filter(events.type == "page")
    visits = pages.join(identities, pages.user_id == identities.user_id).select(
        contact_id=identities.contact_id,
        channel=ibis.literal("web"),
        kind=ibis.literal(KIND_PAGE_VIEW),
        occurred_at=pages.timestamp.cast("timestamp(6)"),
        sentiment=ibis.null("float64"),
        score=ibis.null("int64"),
    )
    return recorded.union(visits.cast(metrics.TOUCHPOINT_SCHEMA), distinct=False)


def journey_analytics(
    session: Session,
    *,
    workspace_id: int,
    journey_id: int,
    since: datetime,
    until: datetime,
    data_dir: Path,
    parts: Sequence[str] = PARTS,
    steps: int = metrics.DEFAULT_PATH_STEPS,
    top: int = 10,
    web_visits: bool = True,
) -> JourneyAnalytics:
    """The journey's analytics over `since <= t < until` on embedded DuckDB (a request path,
    ADR 0023): funnel, time in stage, paths (Sankey nodes and links, top paths), NPS and
    sentiment per stage and per channel/kind. 404 for another workspace's journey."""
    since, until = aware_utc(since), aware_utc(until)
    check_window(since, until)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValidationFailed(f"unknown parts {sorted(unknown)}", field="parts")
    journey = get_journey(session, journey_id=journey_id)
    with engine.connected(engine.EngineConfig()) as backend:
        entries = _entries_table(session, journey.id, until)
        touchpoints = touchpoints_table(
            session,
            backend,
            workspace_id=workspace_id,
            data_dir=data_dir,
            since=since,
            until=until,
            web_visits=web_visits and "scores" in parts,
        )
        prefixes = engine.record_table(
            prefix_frame(session, since=since, until=until)
            if "paths" in parts
            else dict.fromkeys(PREFIX_SCHEMA.names, ()),
            PREFIX_SCHEMA,
        )
        return run_analytics(
            backend,
            stages=journey.stages,
            entries=entries,
            touchpoints=touchpoints,
            since=since,
            until=until,
            steps=steps,
            top=top,
            parts=parts,
            prefixes=prefixes,
        )


def journey_funnel(
    session: Session,
    *,
    workspace_id: int,
    journey_id: int,
    since: datetime,
    until: datetime,
    data_dir: Path,
) -> list[formulas.FunnelStage]:
    """The funnel alone (what the CX dashboard shows): per stage, customers reached,
    conversion to the next stage and from the start, drop-off."""
    return journey_analytics(
        session,
        workspace_id=workspace_id,
        journey_id=journey_id,
        since=since,
        until=until,
        data_dir=data_dir,
        parts=("funnel",),
        web_visits=False,
    ).funnel
