"""Adoption metrics over product-usage events: the Ibis expressions of `usage_metrics` run on
a DuckDB connection whose `events` hold the compacted Parquet files and the not-yet-compacted
inbox rows of one workspace (ADR 0015, ADR 0023; definitions in docs/metrics.md). This module
turns the expressions' rows into the dataclasses the API, pages and jobs read.

Activity means a `track`, `page` or `screen` call; a user is a `userId` (anonymous visitors are
not seats). Each window ends at `as_of` (exclusive): day = last 24 h, week = last 7 days,
month = last 30 days, the earlier month = the 30 days before that. An event that reached both
sources (a crash between compaction's file and its delete, or a re-send after compaction) is
counted once, by `messageId`: the files hold each messageId at most once (compaction and the
bulk import skip what a day's files already hold), so only the inbox rows are checked against
the files of their days.

`account_adoption` answers for one account (the usage page); `accounts_adoption` answers for
every account at once with one aggregation (the daily health rescore), same definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from cxhub.analytics import engine
from cxhub.analytics import usage_metrics as metrics
from cxhub.analytics.usage_events import open_events as open_events  # callers find it here
from cxhub.core.errors import ValidationFailed

MONTH_DAYS = metrics.MONTH_DAYS
ENDS_SCHEMA = ibis.schema(
    dict.fromkeys(("window_end", "month_start", "previous_start"), "timestamp")
)
TREND_SCHEMA = ibis.schema(
    dict.fromkeys(("window_end", "day_start", "week_start", "month_start"), "timestamp")
)


@dataclass(frozen=True)
class FeatureDepth:
    event: str
    events: int
    users: int
    events_per_user: float


@dataclass(frozen=True)
class AccountAdoption:
    as_of: datetime
    dau: int
    wau: int
    mau: int
    average_dau: float
    stickiness: float | None
    active_seats: int
    licensed_seats: int | None
    seat_utilisation: float | None
    features_used: int
    features_available: int
    feature_breadth: float | None
    feature_depth: list[FeatureDepth]
    events_last_30_days: int
    events_previous_30_days: int
    usage_trend: float | None


@dataclass(frozen=True)
class DailyUsage:
    day: str
    active_users: int
    events: int


@dataclass(frozen=True)
class WorkspaceUsage:
    start: datetime
    end: datetime
    events: int
    active_users: int
    daily: list[DailyUsage] = field(default_factory=list)
    features: list[FeatureDepth] = field(default_factory=list)


MEMBER_SCHEMA = ibis.schema({"user_id": "string", "account_id": "int64"})


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _on_events(connection: duckdb.DuckDBPyConnection) -> tuple[BaseBackend, ir.Table]:
    return engine.on_duckdb(connection), engine.events_by_name()


def members_table(backend: BaseBackend, pairs: Iterable[tuple[str, int]]) -> ir.Table:
    """(product user id, account id) pairs from the system of record as a table."""
    listed = list(pairs)
    del backend  # an in-memory table: any backend registers it when a query reads it
    return engine.record_table(
        {"user_id": [p[0] for p in listed], "account_id": [p[1] for p in listed]},
        MEMBER_SCHEMA,
    )


def rows_of(backend: BaseBackend, expression: ir.Table) -> list[dict[str, Any]]:
    """An expression's result as dicts (through Arrow: no pandas on the way)."""
    return list(backend.to_pyarrow(expression).to_pylist())


def _int(value: Any) -> int:
    return int(value or 0)


def account_adoption(
    connection: duckdb.DuckDBPyConnection,
    *,
    user_ids: list[str],
    as_of: datetime,
    licensed_seats: int | None,
) -> AccountAdoption:
    """The adoption metrics of the account whose product users are `user_ids`, from an `events`
    view covering at least the 60 days before `as_of`."""
    backend, events = _on_events(connection)
    members = members_table(backend, [(user, 0) for user in user_ids])
    found = rows_of(backend, metrics.adoption_by_account(events, members, as_of=as_of, daily=True))
    row = found[0] if found else {}
    if not found:  # an account without activity: the workspace's count alone
        available = rows_of(backend, metrics.features_available(events, as_of=as_of))
        row = {"features_available": available[0]["features_available"] if available else 0}
    features_available = _int(row["features_available"])
    depth = sorted(
        rows_of(backend, metrics.feature_depth_by_account(events, members, as_of=as_of)),
        key=lambda r: (-r["events"], r["event"] or ""),
    )
    mau, last_30, previous_30 = (
        _int(row.get(k)) for k in ("mau", "events_last_30_days", "events_previous_30_days")
    )
    features_used = _int(row.get("features_used"))
    average_dau = float(row.get("average_dau") or 0.0)
    return AccountAdoption(
        as_of=as_of,
        dau=_int(row.get("dau")),
        wau=_int(row.get("wau")),
        mau=mau,
        average_dau=average_dau,
        stickiness=_ratio(average_dau, mau),
        active_seats=mau,
        licensed_seats=licensed_seats,
        seat_utilisation=_ratio(mau, licensed_seats) if licensed_seats else None,
        features_used=features_used,
        features_available=features_available,
        feature_breadth=_ratio(features_used, features_available),
        feature_depth=[
            FeatureDepth(r["event"], int(r["events"]), int(r["users"]), r["events_per_user"])
            for r in depth
        ],
        events_last_30_days=last_30,
        events_previous_30_days=previous_30,
        usage_trend=_ratio(last_30, previous_30),
    )


@dataclass(frozen=True)
class AdoptionSummary:
    """The adoption metrics the health score reads, for one account (as in AccountAdoption)."""

    active_seats: int
    seat_utilisation: float | None
    feature_breadth: float | None
    usage_trend: float | None


def accounts_adoption(
    connection: duckdb.DuckDBPyConnection,
    *,
    members: list[tuple[str, int]],
    as_of: datetime,
    licensed_seats: dict[int, int | None],
) -> dict[int, AdoptionSummary]:
    """`accounts_adoption_on` over the `events` of a DuckDB connection (`open_events`)."""
    backend, events = _on_events(connection)
    return accounts_adoption_on(
        backend, events, members=members, as_of=as_of, licensed_seats=licensed_seats
    )


def accounts_adoption_on(
    backend: BaseBackend,
    events: ir.Table,
    *,
    members: list[tuple[str, int]],
    as_of: datetime,
    licensed_seats: dict[int, int | None],
) -> dict[int, AdoptionSummary]:
    """`AdoptionSummary` of every account in `licensed_seats` with one scan of `events` on any
    backend, whose product users are the (user id, account id) pairs of `members`; the
    definitions are those of `account_adoption` (an account without activity has 0 active seats
    and no trend)."""
    expression = metrics.adoption_by_account(events, members_table(backend, members), as_of=as_of)
    found = {int(r["account_id"]): r for r in rows_of(backend, expression)}
    if found:  # every row carries the workspace's count
        available = _int(next(iter(found.values()))["features_available"])
    else:
        rows = rows_of(backend, metrics.features_available(events, as_of=as_of))
        available = _int(rows[0]["features_available"]) if rows else 0
    result: dict[int, AdoptionSummary] = {}
    for account_id, seats in licensed_seats.items():
        row = found.get(account_id)
        mau = _int(row["mau"]) if row else 0
        result[account_id] = AdoptionSummary(
            active_seats=mau,
            seat_utilisation=_ratio(mau, seats) if seats else None,
            feature_breadth=row["feature_breadth"] if row else _ratio(0, available),
            usage_trend=row["usage_trend"] if row else None,
        )
    return result


def workspace_usage(
    connection: duckdb.DuckDBPyConnection, *, start: datetime, end: datetime, top: int = 50
) -> WorkspaceUsage:
    """Activity of the whole workspace in [start, end): totals, per UTC day, per track event."""
    backend, events = _on_events(connection)
    totals = rows_of(backend, metrics.workspace_totals(events))[0]
    daily = sorted(rows_of(backend, metrics.daily_activity(events)), key=lambda r: r["day"])
    features = rows_of(backend, metrics.top_features(events, top=int(top)))
    return WorkspaceUsage(
        start,
        end,
        _int(totals["events"]),
        _int(totals["active_users"]),
        [DailyUsage(r["day"].isoformat(), int(r["active_users"]), int(r["events"])) for r in daily],
        [
            FeatureDepth(r["event"], int(r["events"]), int(r["users"]), r["events_per_user"] or 0.0)
            for r in features
        ],
    )


def licensed_seats_of(custom_attributes: dict[str, Any] | None) -> int | None:
    """Licensed seats come from the account's `custom_attributes.seats` (set by a group call's
    `seats` trait or by hand) until subscriptions land."""
    seats = (custom_attributes or {}).get("seats")
    if isinstance(seats, bool) or not isinstance(seats, int | float) or seats < 0:
        return None
    return int(seats)


EARLIEST_AS_OF_YEAR = 1900
LATEST_AS_OF_YEAR = 2200


def usage_moment(as_of: datetime | None) -> datetime:
    """The `as_of` query parameter of the adoption/expansion routes as a UTC moment (default
    now): it needs a time zone and a year in EARLIEST_AS_OF_YEAR–LATEST_AS_OF_YEAR, so the
    windows before it stay inside the calendar; ValidationFailed (422) otherwise."""
    if as_of is None:
        return datetime.now(UTC)
    if as_of.tzinfo is None:
        raise ValidationFailed("as_of needs a time zone (e.g. 2026-11-01T00:00:00Z)", field="as_of")
    if not EARLIEST_AS_OF_YEAR <= as_of.year <= LATEST_AS_OF_YEAR:
        raise ValidationFailed(
            f"as_of must fall between {EARLIEST_AS_OF_YEAR} and {LATEST_AS_OF_YEAR}",
            field="as_of",
        )
    return as_of.astimezone(UTC)


def usage_window(as_of: datetime) -> tuple[datetime, datetime]:
    """The 60 days an account's adoption metrics read."""
    return as_of - timedelta(days=2 * MONTH_DAYS), as_of


@dataclass(frozen=True)
class AccountActivity:
    """One account's last 30 days: active users (= active seats, MAU), activity events, the
    events of the 30 days before, and per track event (feature) its events and users."""

    active_users: int = 0
    events: int = 0
    previous_events: int = 0
    features: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def usage_trend(self) -> float | None:
        return _ratio(self.events, self.previous_events)


def accounts_activity(
    connection: duckdb.DuckDBPyConnection, *, members: dict[str, int], as_of: datetime
) -> dict[int, AccountActivity]:
    """`account_adoption`'s MAU, 30-day event counts and feature depth for many accounts in
    two scans: `members` maps product user id → account id; the `events` view must cover the
    60 days before `as_of` (30 days when only MAU and features are read: the expansion facts).
    Accounts without activity are absent."""
    if not members:
        return {}
    backend, events = _on_events(connection)
    pairs = members_table(backend, members.items())
    features: dict[int, dict[str, tuple[int, int]]] = {}
    for row in rows_of(backend, metrics.feature_depth_by_account(events, pairs, as_of=as_of)):
        features.setdefault(int(row["account_id"]), {})[str(row["event"])] = (
            int(row["events"]),
            int(row["users"]),
        )
    return {
        int(row["account_id"]): AccountActivity(
            _int(row["mau"]),
            _int(row["events_last_30_days"]),
            _int(row["events_previous_30_days"]),
            features.get(int(row["account_id"]), {}),
        )
        for row in rows_of(backend, metrics.adoption_by_account(events, pairs, as_of=as_of))
    }


def accounts_activity_at(
    connection: duckdb.DuckDBPyConnection, *, members: dict[str, int], ends: list[datetime]
) -> dict[datetime, dict[int, AccountActivity]]:
    """`accounts_activity`'s MAU and event counts (features empty) at each moment of `ends`,
    in one scan (`usage_metrics.activity_at_ends`) instead of one per moment; keyed by the
    moments as given. The `events` view must cover the 60 days before the earliest."""
    found: dict[datetime, dict[int, AccountActivity]] = {end: {} for end in ends}
    if not members or not ends:
        return found
    backend, events = _on_events(connection)
    pairs = members_table(backend, members.items())
    moments: dict[datetime, list[datetime]] = {}  # naive UTC end -> the moments given
    for end in ends:
        moments.setdefault(metrics.Windows.before(end).end, []).append(end)
    # each end once: a repeated one would count its events twice
    windows = metrics.month_end_windows(sorted(moments))
    table = ibis.memtable(windows, schema=ENDS_SCHEMA)
    for row in rows_of(backend, metrics.activity_at_ends(events, pairs, table)):
        activity = AccountActivity(
            _int(row["mau"]), _int(row["events_last_30_days"]), _int(row["events_previous_30_days"])
        )
        for end in moments[row["window_end"]]:
            found[end][int(row["account_id"])] = activity
    return found


@dataclass(frozen=True)
class ActiveUsersDay:
    """Active users of the day ending at `end` (exclusive): in its last 1, 7 and 30 days."""

    day: str
    dau: int
    wau: int
    mau: int


def account_active_users_trend(
    connection: duckdb.DuckDBPyConnection, *, user_ids: list[str], as_of: datetime, days: int = 30
) -> list[ActiveUsersDay]:
    """DAU, WAU and MAU of one account at the end of each of the `days` days before `as_of`
    (the windows of `account_adoption`, slid back one day at a time); the `events` view must
    cover the `days` + 30 days before `as_of`. Day labels are the UTC date of the window's
    last instant."""
    windows = metrics.trend_windows(as_of, days)
    found: dict[datetime, dict[str, Any]] = {}
    if user_ids:
        backend, events = _on_events(connection)
        ends = ibis.memtable(windows, schema=TREND_SCHEMA)
        members = members_table(backend, [(user, 0) for user in user_ids])
        expression = metrics.active_users_trend(events, members, ends)
        found = {row["window_end"]: row for row in rows_of(backend, expression)}
    result = []
    for window_end in windows["window_end"]:
        row = found.get(window_end, {})
        label = (window_end - timedelta(microseconds=1)).date().isoformat()
        result.append(
            ActiveUsersDay(label, _int(row.get("dau")), _int(row.get("wau")), _int(row.get("mau")))
        )
    return result
