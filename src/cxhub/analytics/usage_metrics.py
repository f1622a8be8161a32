"""The usage-adoption metrics written once as Ibis expressions (ADR 0005, ADR 0023): pure
functions from tables to tables, with no engine, connection or session in sight, so the same
definition runs on embedded DuckDB (every product path) and on Spark or another Ibis backend
(the parity suite in tests/analytics/parity checks they agree). Definitions, with worked
examples, are in docs/metrics.md ("Product adoption").

Inputs: `events` has the columns of `engine.EVENT_SCHEMA` (message_id, type, event, user_id,
timestamp as naive UTC), one row per messageId; `members` has (user_id, account_id) pairs, a
user may belong to several accounts. Windows end at `as_of` (exclusive): day = last 24 h,
week = 7 days, month = 30 days, the previous month = the 30 days before that. Window bounds
are computed here in Python and enter the expressions as timestamp literals, so no engine's
interval arithmetic or time zone setting changes a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.types as ir

ACTIVITY_TYPES = ("track", "page", "screen")
FEATURE_TYPE = "track"
MONTH_DAYS = 30
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Windows:
    """The window starts before `end` (all naive UTC)."""

    end: datetime
    day: datetime
    week: datetime
    month: datetime
    previous_month: datetime

    @classmethod
    def before(cls, as_of: datetime) -> Windows:
        end = as_of.astimezone(UTC).replace(tzinfo=None) if as_of.tzinfo else as_of
        month = end - timedelta(days=MONTH_DAYS)
        return cls(
            end=end,
            day=end - timedelta(days=1),
            week=end - timedelta(days=7),
            month=month,
            previous_month=month - timedelta(days=MONTH_DAYS),
        )


def _at(moment: datetime) -> ir.TimestampScalar:
    return ibis.literal(moment, type="timestamp")


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator as a float, NULL when the denominator is 0 (no engine raises)."""
    return numerator.cast("float64") / denominator.cast("float64").nullif(0.0)


def activity(events: ir.Table, *, start: datetime, end: datetime) -> ir.Table:
    """Activity calls (track, page, screen) in [start, end)."""
    return events.filter(
        events.type.isin(ACTIVITY_TYPES),
        events.timestamp >= _at(start),
        events.timestamp < _at(end),
    )


def _members_activity(events: ir.Table, members: ir.Table, windows: Windows) -> ir.Table:
    pairs = members.select("user_id", "account_id").distinct()
    return activity(events, start=windows.previous_month, end=windows.end).join(pairs, "user_id")


def features_available(events: ir.Table, *, as_of: datetime) -> ir.Table:
    """One row: the distinct track events anybody in the workspace sent in the month."""
    w = Windows.before(as_of)
    tracked = events.filter(
        events.type == FEATURE_TYPE, events.timestamp >= _at(w.month), events.timestamp < _at(w.end)
    )
    return tracked.aggregate(features_available=tracked.event.nunique())


def adoption_by_account(
    events: ir.Table, members: ir.Table, *, as_of: datetime, daily: bool = False
) -> ir.Table:
    """Per account with activity in the 60 days: MAU (= active seats), activity events in the
    month and in the previous month and their ratio (usage trend), track events used and the
    feature breadth (used / available in the workspace). With `daily`, also DAU, WAU, the
    average DAU (distinct user × 24 h-bucket pairs of the month / 30) and stickiness (average
    DAU / MAU); the daily health rescore leaves these out, they cost two more counts per
    user and the user-day pairs."""
    w = Windows.before(as_of)
    joined = _members_activity(events, members, w)
    in_month = joined.timestamp >= _at(w.month)
    # Distinct counts in two plain GROUP BYs (per account and user, per account and feature)
    # instead of COUNT(DISTINCT …) per account: the same integers, and DuckDB runs plain
    # grouped aggregates in parallel where its distinct aggregates cost about 1.5× the CPU
    # (100,000 accounts / 10 M events, ADR 0034).
    per_user_counts = {
        "in_month": joined.count(where=in_month),
        "before_month": joined.count(where=~in_month),
    }
    if daily:
        per_user_counts |= {
            "in_day": joined.count(where=joined.timestamp >= _at(w.day)),
            "in_week": joined.count(where=joined.timestamp >= _at(w.week)),
        }
    users = joined.group_by(["account_id", "user_id"]).aggregate(**per_user_counts)
    figures = {
        "mau": users.count(where=users.in_month > 0),
        "events_last_30_days": users.in_month.sum(),
        "events_previous_30_days": users.before_month.sum(),
    }
    if daily:
        figures |= {
            "dau": users.count(where=users.in_day > 0),
            "wau": users.count(where=users.in_week > 0),
        }
    per_account = users.group_by("account_id").aggregate(**figures)
    tracked = joined.filter(in_month, joined.type == FEATURE_TYPE, joined.event.notnull())
    used = (
        tracked.select("account_id", "event")
        .distinct()
        .group_by("account_id")
        .aggregate(features_used=ibis._.count())
    )
    per_account = per_account.left_join(used, "account_id").drop("account_id_right")
    per_account = per_account.mutate(features_used=per_account.features_used.fill_null(0))
    available = features_available(events, as_of=as_of)
    result = per_account.cross_join(available)
    result = result.mutate(
        usage_trend=_ratio(result.events_last_30_days, result.events_previous_30_days),
        feature_breadth=_ratio(result.features_used, result.features_available),
    )
    if not daily:
        return result
    days = user_days(events, members, as_of=as_of)
    result = result.left_join(days, "account_id").drop("account_id_right")
    average_dau = result.user_days.fill_null(0).cast("float64") / MONTH_DAYS
    result = result.mutate(average_dau=average_dau)
    return result.mutate(stickiness=_ratio(result.average_dau, result.mau))


def user_days(events: ir.Table, members: ir.Table, *, as_of: datetime) -> ir.Table:
    """Per account: distinct (user, 24 h bucket before `as_of`) pairs in the month, bucket =
    whole days between the call's second and `as_of`'s second (the sum of the month's DAUs)."""
    w = Windows.before(as_of)
    joined = _members_activity(events, members, w)
    end_second = int(w.end.replace(tzinfo=UTC).timestamp() // 1)
    second = joined.timestamp.truncate("s").epoch_seconds()
    bucketed = joined.filter(joined.timestamp >= _at(w.month)).mutate(
        bucket=((ibis.literal(end_second) - second) / SECONDS_PER_DAY).floor()
    )
    pairs = bucketed.select("account_id", "user_id", "bucket").distinct()
    return pairs.group_by("account_id").aggregate(user_days=pairs.count())


def feature_depth_by_account(events: ir.Table, members: ir.Table, *, as_of: datetime) -> ir.Table:
    """Per account and track event of the month: events, distinct users, events per user."""
    w = Windows.before(as_of)
    joined = _members_activity(events, members, w)
    tracked = joined.filter(joined.type == FEATURE_TYPE, joined.timestamp >= _at(w.month))
    depth = tracked.group_by(["account_id", "event"]).aggregate(
        events=tracked.count(), users=tracked.user_id.nunique()
    )
    return depth.mutate(events_per_user=_ratio(depth.events, depth.users))


def active_users_trend(events: ir.Table, members: ir.Table, ends: ir.Table) -> ir.Table:
    """DAU, WAU and MAU per account at each `window_end` of `ends` (columns window_end,
    day_start, week_start, month_start; see `trend_windows`): the windows of
    `adoption_by_account` slid back in time. Windows without activity are absent."""
    pairs = members.select("user_id", "account_id").distinct()
    calls = events.filter(events.type.isin(ACTIVITY_TYPES)).join(pairs, "user_id")
    joined = ends.join(
        calls, [calls.timestamp < ends.window_end, calls.timestamp >= ends.month_start]
    )
    return joined.group_by(["account_id", "window_end"]).aggregate(
        dau=joined.user_id.nunique(where=joined.timestamp >= joined.day_start),
        wau=joined.user_id.nunique(where=joined.timestamp >= joined.week_start),
        mau=joined.user_id.nunique(),
    )


def trend_windows(as_of: datetime, days: int) -> dict[str, list[datetime]]:
    """The `ends` columns of `active_users_trend` for the `days` days before `as_of`."""
    end = Windows.before(as_of).end
    ends = [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    return {
        "window_end": ends,
        "day_start": [e - timedelta(days=1) for e in ends],
        "week_start": [e - timedelta(days=7) for e in ends],
        "month_start": [e - timedelta(days=MONTH_DAYS) for e in ends],
    }


def activity_at_ends(events: ir.Table, members: ir.Table, ends: ir.Table) -> ir.Table:
    """Per account and `window_end` of `ends` (columns window_end, month_start,
    previous_start; see `month_end_windows`): `adoption_by_account`'s MAU,
    events_last_30_days and events_previous_30_days at that end, for many ends in one scan
    (the success summary by month). Each end once in `ends` (a repeated one counts its events
    twice). Windows without activity are absent."""
    pairs = members.select("user_id", "account_id").distinct()
    calls = events.filter(events.type.isin(ACTIVITY_TYPES)).join(pairs, "user_id")
    joined = ends.join(
        calls, [calls.timestamp < ends.window_end, calls.timestamp >= ends.previous_start]
    )
    in_month = joined.timestamp >= joined.month_start
    users = joined.group_by(["window_end", "account_id", "user_id"]).aggregate(
        in_month=joined.count(where=in_month), before_month=joined.count(where=~in_month)
    )
    return users.group_by(["window_end", "account_id"]).aggregate(
        mau=users.count(where=users.in_month > 0),
        events_last_30_days=users.in_month.sum(),
        events_previous_30_days=users.before_month.sum(),
    )


def month_end_windows(ends: list[datetime]) -> dict[str, list[datetime]]:
    """The `ends` columns of `activity_at_ends` for the given moments (naive UTC after
    `Windows.before`)."""
    windows = [Windows.before(end) for end in ends]
    return {
        "window_end": [w.end for w in windows],
        "month_start": [w.month for w in windows],
        "previous_start": [w.previous_month for w in windows],
    }


def workspace_totals(events: ir.Table) -> ir.Table:
    """One row: activity events and distinct active users of the whole table."""
    calls = events.filter(events.type.isin(ACTIVITY_TYPES))
    return calls.aggregate(events=calls.count(), active_users=calls.user_id.nunique())


def daily_activity(events: ir.Table) -> ir.Table:
    """Per UTC day: distinct active users and activity events."""
    calls = events.filter(events.type.isin(ACTIVITY_TYPES)).mutate(day=events.timestamp.date())
    return calls.group_by("day").aggregate(
        active_users=calls.user_id.nunique(), events=calls.count()
    )


def top_features(events: ir.Table, *, top: int) -> ir.Table:
    """The `top` most sent track events (ties by name): events, distinct users, per user."""
    tracked = events.filter(events.type == FEATURE_TYPE)
    counted = tracked.group_by("event").aggregate(
        events=tracked.count(), users=tracked.user_id.nunique()
    )
    counted = counted.mutate(events_per_user=_ratio(counted.events, counted.users))
    return counted.order_by([ibis.desc("events"), "event"]).limit(top)
