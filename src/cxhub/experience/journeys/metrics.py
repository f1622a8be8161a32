"""Journey analytics written once as Ibis expressions (ADR 0005, ADR 0023, ADR 0026): pure
functions from tables to tables, run on embedded DuckDB by default and on Spark by
configuration; `tests/analytics/parity/test_journey_parity.py` checks both give the same rows.
The heavy part (grouping millions of rows) is here; the tiny last step (ratios over seven
stages, Sankey node numbering) is plain Python in `formulas.py`, so no engine's division or
NULL rules change a number. Definitions with worked examples: docs/journeys.md.

Inputs (naive UTC timestamps):
- `entries` (contact_id int64, position int64, entered_at timestamp): stage entries;
- `touchpoints` (contact_id int64, channel string, kind string, occurred_at timestamp,
  sentiment float64, score int64): every touchpoint, page views included.
The window is `since <= t < until`; bounds enter as literals computed in Python.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from cxhub.experience.journeys.path_prefix import MAX_PATH_STEPS

ENTRY_SCHEMA = ibis.schema(
    {"contact_id": "int64", "position": "int64", "entered_at": "timestamp(6)"}
)
TOUCHPOINT_SCHEMA = ibis.schema(
    {
        "contact_id": "int64",
        "channel": "string",
        "kind": "string",
        "occurred_at": "timestamp(6)",
        "sentiment": "float64",
        "score": "int64",
    }
)
DEFAULT_PATH_STEPS = 5


def _at(moment: datetime) -> ir.TimestampScalar:
    return ibis.literal(moment, type="timestamp")


def _seconds(value: ir.TimestampValue) -> ir.IntegerValue:
    return value.truncate("s").epoch_seconds().cast("int64")


def furthest_stage_counts(entries: ir.Table, *, since: datetime, until: datetime) -> ir.Table:
    """(furthest, customers): how many customers active in the window (an entry in it) have
    each stage position as the furthest they reached by `until`."""
    before = entries.filter(entries.entered_at < _at(until))
    active = before.filter(before.entered_at >= _at(since)).select("contact_id").distinct()
    furthest = before.group_by("contact_id").aggregate(furthest=before.position.max())
    cohort = furthest.semi_join(active, "contact_id")
    return cohort.group_by("furthest").aggregate(customers=cohort.count())


def stage_durations(entries: ir.Table, *, until: datetime) -> ir.Table:
    """Every entry before `until` with the seconds until the customer's next entry (NULL while
    still in the stage at `until`)."""
    before = entries.filter(entries.entered_at < _at(until))
    window = ibis.window(group_by="contact_id", order_by=["entered_at", "position"])
    with_next = before.mutate(next_at=before.entered_at.lead().over(window))
    return with_next.mutate(
        seconds=ibis.ifelse(
            with_next.next_at.isnull(),
            ibis.null("int64"),
            _seconds(with_next.next_at) - _seconds(with_next.entered_at),
        )
    )


def time_in_stage(entries: ir.Table, *, since: datetime, until: datetime) -> ir.Table:
    """Per stage position, of the entries made in the window: how many, how many have left the
    stage by `until`, and the median and 90th percentile of the seconds spent by those that left
    (continuous percentiles, interpolated)."""
    durations = stage_durations(entries, until=until)
    made = durations.filter(durations.entered_at >= _at(since))
    return made.group_by("position").aggregate(
        entered=made.count(),
        left=made.seconds.count(),
        median_seconds=made.seconds.quantile(0.5),
        p90_seconds=made.seconds.quantile(0.9),
    )


def _window_touchpoints(touchpoints: ir.Table, since: datetime, until: datetime) -> ir.Table:
    return touchpoints.filter(
        touchpoints.occurred_at >= _at(since), touchpoints.occurred_at < _at(until)
    )


def path_steps(
    touchpoints: ir.Table, *, since: datetime, until: datetime, steps: int = DEFAULT_PATH_STEPS
) -> ir.Table:
    """Each customer's first `steps` touchpoints of the window as (contact_id, step, label,
    next_label), with repeats of the same label in a row collapsed into one step (ten page
    views in a row are one "page_view" step). Ties in time are ordered by label, so every
    engine numbers the same steps. Window functions over the window's touchpoints: the cost
    of an exact path grows with every touchpoint (ADR 0026 measures it and names the rollup
    that would make it constant)."""
    known = _window_touchpoints(touchpoints, since, until)
    known = known.filter(known.contact_id.notnull()).select("contact_id", "occurred_at", "kind")
    known = known.rename(label="kind")
    order = ibis.window(group_by="contact_id", order_by=["occurred_at", "label"])
    marked = known.mutate(previous=known.label.lag().over(order))
    changes = marked.filter(marked.previous.isnull() | (marked.previous != marked.label))
    # step number and next label in one window pass (one sort fewer than two passes)
    numbered = changes.mutate(
        step=ibis.row_number().over(order), following=changes.label.lead().over(order)
    )
    first = numbered.filter(numbered.step < steps)
    return first.select(
        "contact_id",
        "step",
        "label",
        next_label=ibis.ifelse(first.step < steps - 1, first.following, ibis.null("string")),
    )


def path_links(steps_table: ir.Table) -> ir.Table:
    """(step, source, target, customers): Sankey links from step n to step n+1."""
    moving = steps_table.filter(steps_table.next_label.notnull())
    return moving.group_by(
        [moving.step, moving.label.name("source"), moving.next_label.name("target")]
    ).aggregate(customers=moving.count())


def path_nodes(steps_table: ir.Table) -> ir.Table:
    """(step, label, customers): Sankey nodes, how many customers had `label` at step n."""
    return steps_table.group_by(["step", "label"]).aggregate(customers=steps_table.count())


def top_paths(steps_table: ir.Table, *, steps: int = DEFAULT_PATH_STEPS, top: int = 10) -> ir.Table:
    """The most common whole paths (first `steps` steps): columns step_0..step_{n-1} (NULL
    past a path's end) and customers, most common first, ties by the steps' labels."""
    return counted_top_paths(steps_path_counts(steps_table, steps=steps), steps=steps, top=top)


def started_path_steps(
    touchpoints: ir.Table, *, since: datetime, until: datetime, steps: int = DEFAULT_PATH_STEPS
) -> ir.Table:
    """The exact paths of the journeys that started in the window (ADR 0030): the customers
    whose first touchpoint ever is in `since <= t < until`, each with `path_steps` of all their
    touchpoints before `until`. `touchpoints` must reach back to each customer's first one.
    This is the reference the path-prefix rollup (`prefix_path_counts`) is tested against."""
    known = touchpoints.filter(
        touchpoints.contact_id.notnull() & (touchpoints.occurred_at < _at(until))
    )
    starts = known.group_by("contact_id").aggregate(started_at=known.occurred_at.min())
    cohort = starts.filter(starts.started_at >= _at(since)).select("contact_id")
    return path_steps(known.semi_join(cohort, "contact_id"), since=since, until=until, steps=steps)


def path_prefixes(touchpoints: ir.Table, *, steps: int = MAX_PATH_STEPS) -> ir.Table:
    """The path-prefix rollup built from scratch (ADR 0030): one row per customer with
    `started_at`, `step_count` (kept steps), `step_n`/`step_n_at` (label and start of the
    first `steps` collapsed steps, NULL past the path's end) and `last_at`/`last_label` (the
    latest touchpoint in path order), the row `path_prefix.PathPrefix` holds."""
    known = touchpoints.filter(touchpoints.contact_id.notnull())
    known = known.select("contact_id", "occurred_at", label=known.kind)
    order = ibis.window(group_by="contact_id", order_by=["occurred_at", "label"])
    marked = known.mutate(previous=known.label.lag().over(order))
    changes = marked.filter(marked.previous.isnull() | (marked.previous != marked.label))
    numbered = changes.mutate(
        step=ibis.row_number().over(order), following=changes.label.lead().over(order)
    )
    columns: dict[str, ir.Value] = {}
    for n in range(steps):
        at_step = numbered.step == n
        columns[f"step_{n}"] = numbered.label.max(where=at_step)
        columns[f"step_{n}_at"] = numbered.occurred_at.max(where=at_step)
    per_customer = numbered.group_by("contact_id").aggregate(
        started_at=numbered.occurred_at.min(),
        step_count=numbered.count(where=numbered.step < steps),
        last_label=numbered.label.max(where=numbered.following.isnull()),
        **columns,
    )
    latest = known.group_by("contact_id").aggregate(last_at=known.occurred_at.max())
    joined = per_customer.join(latest, "contact_id")
    return joined.select(
        "contact_id",
        "started_at",
        "step_count",
        "last_at",
        "last_label",
        *[name for n in range(steps) for name in (f"step_{n}", f"step_{n}_at")],
    )


def prefix_path_counts(
    prefixes: ir.Table, *, since: datetime, until: datetime, steps: int = DEFAULT_PATH_STEPS
) -> ir.Table:
    """(step_0..step_{steps-1}, customers) from the rollup: the journeys that started in the
    window, each cut at its first `steps` steps and at `until` (a step that started at or
    after `until` is not on the path yet). A group-by over one row per customer."""
    cohort = prefixes.filter(
        (prefixes.started_at >= _at(since)) & (prefixes.started_at < _at(until))
    )
    names = [f"step_{n}" for n in range(steps)]
    seen = {
        name: ibis.ifelse(cohort[f"{name}_at"] < _at(until), cohort[name], ibis.null("string"))
        for name in names
    }
    visible = cohort.select(**seen)
    return visible.group_by(names).aggregate(customers=visible.count())


def steps_path_counts(steps_table: ir.Table, *, steps: int = DEFAULT_PATH_STEPS) -> ir.Table:
    """(step_0..step_{steps-1}, customers) from exact `path_steps` rows: the same shape as
    `prefix_path_counts`, so both go through the nodes, links and top paths below."""
    columns = {
        f"step_{n}": steps_table.label.max(where=steps_table.step == n) for n in range(steps)
    }
    per_customer = steps_table.group_by("contact_id").aggregate(**columns)
    return per_customer.group_by(list(columns)).aggregate(customers=per_customer.count())


def counted_nodes(counts: ir.Table, *, steps: int = DEFAULT_PATH_STEPS) -> ir.Table:
    """(step, label, customers) Sankey nodes from path counts."""
    parts = []
    for n in range(steps):
        at = counts.filter(counts[f"step_{n}"].notnull())
        parts.append(
            at.group_by(label=at[f"step_{n}"])
            .aggregate(customers=at.customers.sum())
            .mutate(step=ibis.literal(n, type="int64"))
            .select("step", "label", "customers")
        )
    return ibis.union(*parts, distinct=False)


def counted_links(counts: ir.Table, *, steps: int = DEFAULT_PATH_STEPS) -> ir.Table:
    """(step, source, target, customers) Sankey links from path counts."""
    parts = []
    for n in range(steps - 1):
        at = counts.filter(counts[f"step_{n + 1}"].notnull())
        parts.append(
            at.group_by(source=at[f"step_{n}"], target=at[f"step_{n + 1}"])
            .aggregate(customers=at.customers.sum())
            .mutate(step=ibis.literal(n, type="int64"))
            .select("step", "source", "target", "customers")
        )
    return ibis.union(*parts, distinct=False)


def counted_top_paths(
    counts: ir.Table, *, steps: int = DEFAULT_PATH_STEPS, top: int = 10
) -> ir.Table:
    """The `top` most common paths from path counts, ordered as `top_paths`."""
    names = [f"step_{n}" for n in range(steps)]
    order = [ibis.desc("customers"), *[counts[n].asc(nulls_first=True) for n in names]]
    return counts.order_by(order).limit(top)


def _score_aggregates(table: ir.Table) -> dict[str, ir.Value]:
    return {
        "touchpoints": table.count(),
        "responses": table.score.count(),
        "promoters": (table.score >= 9).cast("int64").sum(),
        "detractors": (table.score <= 6).cast("int64").sum(),
        "score_sum": table.score.sum(),
        "sentiment_count": table.sentiment.count(),
        "sentiment_sum": table.sentiment.sum(),
        "negative": (table.sentiment < -0.25).cast("int64").sum(),
    }


def scores_by_stage(
    entries: ir.Table, touchpoints: ir.Table, *, since: datetime, until: datetime
) -> ir.Table:
    """Per stage position: the window's scored or sentiment-bearing touchpoints made while the
    customer was in that stage (from its entry to the next entry), with their NPS and
    sentiment sums. Touchpoints before a customer's first entry belong to no stage."""
    durations = stage_durations(entries, until=until).select(
        "contact_id", "position", "entered_at", "next_at"
    )
    rated = _window_touchpoints(touchpoints, since, until)
    rated = rated.filter(
        rated.contact_id.notnull() & (rated.score.notnull() | rated.sentiment.notnull())
    )
    joined = rated.join(
        durations,
        [
            rated.contact_id == durations.contact_id,
            rated.occurred_at >= durations.entered_at,
            durations.next_at.isnull() | (rated.occurred_at < durations.next_at),
        ],
    )
    return joined.group_by("position").aggregate(**_score_aggregates(joined))


def scores_by_channel(touchpoints: ir.Table, *, since: datetime, until: datetime) -> ir.Table:
    """Per (channel, kind): the window's touchpoints, with NPS and sentiment sums."""
    window = _window_touchpoints(touchpoints, since, until)
    return window.group_by(["channel", "kind"]).aggregate(**_score_aggregates(window))
