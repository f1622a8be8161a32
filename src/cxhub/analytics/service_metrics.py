"""The service KPI live pass written once as Ibis expressions (ADR 0033, carrying out ADR 0005 /
ADR 0023 for service KPIs): the same period membership and definitions as
`service_rollups/live.collect` (docs/metrics.md, "Service KPIs"), over ticket-shaped tables on
any Ibis backend — embedded DuckDB by default, Spark by configuration.

Inputs, one workspace's rows, naive UTC timestamps (`TICKET_SCHEMA`, `SLA_TARGET_SCHEMA`,
`CSAT_SCHEMA`: the columns `collect` reads). Membership: volume and first reply by creation time,
solved / resolution / reopened / one-touch by solve time, SLA achieved / breached per metric by
the target's start (cancelled targets never count), CSAT ratings / satisfied (score >= 4) by
rating time; merged and spam tickets never count.

The engine does the grouping and counting, and selects each group's durations; the exact median,
90th percentile and mean are finished in Python by `formulas.sorted_duration_summary`, as the
rollups and the live pass do. Why: Ibis compiles `quantile` to `percentile_approx` on Spark, and a
float `SUM` in engine order differs from the ascending-order sum of `formulas.ascending_sum` in
the last bits; shipping the durations (8 bytes each) keeps every engine's answer bit-identical to
the SQL pass. Calendar durations are integer microseconds on the engine (whole epoch seconds plus
the `%f` fraction: Spark has no microsecond extract) divided by 10^6 in Python, so no engine's
epoch or interval arithmetic changes a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from cxhub.analytics.service_kpis import KpiGroup, summarise
from cxhub.analytics.service_rollups.live import GroupBy
from cxhub.analytics.service_rollups.tally import DURATION_METRICS, KpiTally

TICKET_SCHEMA = ibis.schema(
    {
        "id": "int64",
        "channel": "string",
        "priority": "string",
        "team_id": "int64",
        "assignee_id": "int64",
        "is_spam": "boolean",
        "merged_into_id": "int64",
        "created_at": "timestamp(6)",
        "first_replied_at": "timestamp(6)",
        "solved_at": "timestamp(6)",
        "reopen_count": "int64",
        "agent_reply_count": "int64",
        "first_reply_business_seconds": "int64",
        "resolution_business_seconds": "int64",
    }
)
SLA_TARGET_SCHEMA = ibis.schema(
    {
        "ticket_id": "int64",
        "metric": "string",
        "started_at": "timestamp(6)",
        "fulfilled_at": "timestamp(6)",
        "breached_at": "timestamp(6)",
        "cancelled": "boolean",
    }
)
CSAT_SCHEMA = ibis.schema({"ticket_id": "int64", "score": "int64", "rated_at": "timestamp(6)"})

#: The ticket column of each grouping dimension (DAY groups by each pass's own time column).
DIMENSIONS = {
    GroupBy.CHANNEL: "channel",
    GroupBy.PRIORITY: "priority",
    GroupBy.TEAM: "team_id",
    GroupBy.ASSIGNEE: "assignee_id",
}
_MICROS = 1_000_000


@dataclass(frozen=True)
class ServiceTables:
    """One workspace's tickets, SLA targets and CSAT ratings on one backend."""

    tickets: ir.Table
    sla_targets: ir.Table
    csat: ir.Table


def naive_utc(moment: datetime) -> datetime:
    """A period bound as the naive UTC timestamp the tables hold."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _at(moment: datetime) -> ir.TimestampScalar:
    return ibis.literal(naive_utc(moment), type="timestamp")


def micros(value: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since the epoch, exact on every engine."""
    whole = value.truncate("s").epoch_seconds().cast("int64")
    return whole * _MICROS + value.strftime("%f").cast("int64")


def live_tickets(tickets: ir.Table) -> ir.Table:
    """Tickets that count: neither merged into another nor spam."""
    return tickets.filter(tickets.merged_into_id.isnull(), ~tickets.is_spam)


def _keyed(
    table: ir.Table, time_column: str, group_by: GroupBy, start: datetime, end: datetime
) -> ir.Table:
    """Rows whose `time_column` is in [start, end), with their group `key` (a string or NULL)."""
    inside = table.filter(table[time_column] >= _at(start), table[time_column] < _at(end))
    if group_by == GroupBy.NONE:
        key: ir.Value = ibis.null("string")
    elif group_by == GroupBy.DAY:
        key = inside[time_column].date().cast("string")
    else:
        key = inside[DIMENSIONS[group_by]].cast("string")
    return inside.mutate(key=key)


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return ibis.ifelse(condition, 1, 0)


def created_counts(
    t: ServiceTables, *, start: datetime, end: datetime, group_by: GroupBy
) -> ir.Table:
    """(key, created): tickets created in the period."""
    rows = _keyed(live_tickets(t.tickets), "created_at", group_by, start, end)
    return rows.group_by("key").aggregate(created=rows.count())


def solved_counts(
    t: ServiceTables, *, start: datetime, end: datetime, group_by: GroupBy
) -> ir.Table:
    """(key, solved, reopened, one_touch): tickets solved in the period."""
    rows = _keyed(live_tickets(t.tickets), "solved_at", group_by, start, end)
    return rows.group_by("key").aggregate(
        solved=rows.count(),
        reopened=_flag(rows.reopen_count > 0).sum(),
        one_touch=_flag(rows.agent_reply_count == 1).sum(),
    )


def sla_counts(t: ServiceTables, *, start: datetime, end: datetime, group_by: GroupBy) -> ir.Table:
    """(key, metric, achieved, breached): SLA targets started in the period, not cancelled."""
    targets = t.sla_targets.filter(~t.sla_targets.cancelled)
    joined = targets.join(live_tickets(t.tickets), targets.ticket_id == t.tickets.id)
    rows = _keyed(joined, "started_at", group_by, start, end)
    return rows.group_by(["key", "metric"]).aggregate(
        achieved=_flag(rows.fulfilled_at.notnull() & rows.breached_at.isnull()).sum(),
        breached=_flag(rows.breached_at.notnull()).sum(),
    )


def csat_counts(t: ServiceTables, *, start: datetime, end: datetime, group_by: GroupBy) -> ir.Table:
    """(key, ratings, satisfied): CSAT ratings given in the period; satisfied is 4 or 5."""
    rated = t.csat.filter(t.csat.score.notnull())
    joined = rated.join(live_tickets(t.tickets), rated.ticket_id == t.tickets.id)
    rows = _keyed(joined, "rated_at", group_by, start, end)
    return rows.group_by("key").aggregate(
        ratings=rows.count(), satisfied=_flag(rows.score >= 4).sum()
    )


def durations(t: ServiceTables, *, start: datetime, end: datetime, group_by: GroupBy) -> ir.Table:
    """(key, metric, micros): every duration of the period, one row each, in microseconds —
    first reply (calendar, business) of tickets created in it, resolution (calendar, business)
    of tickets solved in it. Tickets without the duration (no reply yet, no business time
    stamped) have no row."""
    live = live_tickets(t.tickets)
    created = _keyed(live, "created_at", group_by, start, end)
    solved = _keyed(live, "solved_at", group_by, start, end)
    parts = [
        (created, "first_reply", micros(created.first_replied_at) - micros(created.created_at)),
        (created, "first_reply_business", created.first_reply_business_seconds * _MICROS),
        (solved, "resolution", micros(solved.solved_at) - micros(solved.created_at)),
        (solved, "resolution_business", solved.resolution_business_seconds * _MICROS),
    ]
    selects = [
        rows.select(key=rows.key, metric=ibis.literal(name), micros=value.cast("int64"))
        for rows, name, value in parts
    ]
    union = ibis.union(*selects, distinct=False)
    return union.filter(union.micros.notnull())


def kpi_groups(
    backend: BaseBackend,
    tables: ServiceTables,
    *,
    start: datetime,
    end: datetime,
    group_by: GroupBy = GroupBy.NONE,
) -> dict[str | None, KpiGroup]:
    """Every KPI of the period per group key, computed on `backend` (no backlog: that is a count
    of now, added from the system of record by `service_kpis.finish_groups`)."""

    def run(metric: Callable[..., ir.Table]) -> pa.Table:
        return backend.to_pyarrow(metric(tables, start=start, end=end, group_by=group_by))

    tallies: dict[str | None, KpiTally] = {}

    def tally(key: str | None) -> KpiTally:
        return tallies.setdefault(key, KpiTally())

    for row in run(created_counts).to_pylist():
        tally(row["key"]).created += int(row["created"])
    for row in run(solved_counts).to_pylist():
        group = tally(row["key"])
        group.solved += int(row["solved"])
        group.reopened += int(row["reopened"] or 0)
        group.one_touch += int(row["one_touch"] or 0)
    for row in run(sla_counts).to_pylist():
        tally(row["key"]).add_sla(
            row["metric"], int(row["achieved"] or 0), int(row["breached"] or 0)
        )
    for row in run(csat_counts).to_pylist():
        group = tally(row["key"])
        group.csat_ratings += int(row["ratings"])
        group.csat_satisfied += int(row["satisfied"] or 0)
    _add_durations(run(durations), tally)
    return {key: summarise(key, value) for key, value in tallies.items()}


def _add_durations(table: pa.Table, tally: Callable[[str | None], KpiTally]) -> None:
    """Sort each (key, metric)'s durations once (numpy) and hand them to the tallies whole."""
    for metric in DURATION_METRICS:
        rows = table.filter(pc.equal(table["metric"], metric))
        if not rows.num_rows:
            continue
        encoded = pc.dictionary_encode(rows["key"].combine_chunks())
        names = encoded.dictionary.to_pylist()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        seconds = rows["micros"].to_numpy() / float(_MICROS)
        order = np.lexsort((seconds, codes))
        codes, seconds = codes[order], seconds[order]
        bounds = np.flatnonzero(np.diff(codes)) + 1
        for piece_codes, piece in zip(
            np.split(codes, bounds), np.split(seconds, bounds), strict=True
        ):
            code = int(piece_codes[0])
            key = None if code < 0 else names[code]
            tally(key).add_durations(metric, piece)


__all__ = [
    "CSAT_SCHEMA",
    "SLA_TARGET_SCHEMA",
    "TICKET_SCHEMA",
    "ServiceTables",
    "created_counts",
    "csat_counts",
    "durations",
    "kpi_groups",
    "live_tickets",
    "micros",
    "naive_utc",
    "sla_counts",
    "solved_counts",
]
