"""Adoption metrics over product-usage events: DuckDB SQL over the compacted Parquet files and
the not-yet-compacted inbox rows of one workspace (ADR 0015; definitions in docs/metrics.md).

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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from sqlalchemy.orm import Session

from cxhub.core.errors import ValidationFailed
from cxhub.success.usage import service as usage
from cxhub.success.usage.storage import columns_to_arrays, event_files, sql_literal

ACTIVITY_TYPES = "('track', 'page', 'screen')"
DAY = timedelta(days=1)
MONTH_DAYS = 30


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


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


_PROJECTION = "SELECT message_id, type, event, user_id, timestamp"


def _day_of(value: datetime | str) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(value[:10])


def _event_sources(
    session: Session,
    connection: duckdb.DuckDBPyConnection,
    *,
    workspace_id: int,
    data_dir: Path,
    start: datetime,
    end: datetime,
) -> str:
    """SQL of the window's events (message_id, type, event, user_id, timestamp), one row per
    messageId: the day files as they are, plus the inbox rows no file of their day holds."""
    inbox = usage.inbox_events(session, start=start, end=end)
    if inbox:
        connection.register("inbox", columns_to_arrays(inbox, list(usage.INBOX_READ_COLUMNS)))
    else:
        connection.execute(
            "CREATE TEMP TABLE inbox (message_id VARCHAR, type VARCHAR, event VARCHAR, "
            "user_id VARCHAR, timestamp TIMESTAMP)"
        )
    files = event_files(data_dir, workspace_id, start=start.date(), end=end.date())
    fresh = f"{_PROJECTION} FROM inbox"
    inbox_days = {_day_of(row[-1]) for row in inbox}
    overlapping = [f.path for f in files if f.day in inbox_days]
    if overlapping:
        listing = ", ".join(sql_literal(p) for p in overlapping)
        fresh += f" ANTI JOIN read_parquet([{listing}]) stored USING (message_id)"
    if not files:
        return fresh
    listing = ", ".join(sql_literal(f.path) for f in files)
    return f"{_PROJECTION} FROM read_parquet([{listing}]) UNION ALL {fresh}"


def open_events(
    session: Session,
    *,
    workspace_id: int,
    data_dir: Path,
    start: datetime,
    end: datetime,
    materialise: bool = True,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with `events` (message_id, type, event, user_id, timestamp) over the
    workspace's Parquet days in the window plus its inbox rows, one row per messageId; the
    caller closes it. Materialised (a temp table) for several queries, a view for one scan."""
    connection = duckdb.connect()
    union = _event_sources(
        session, connection, workspace_id=workspace_id, data_dir=data_dir, start=start, end=end
    )
    # Literals, not parameters: paths go through sql_literal, the bounds are datetimes
    # formatted here.
    kind = "TABLE" if materialise else "VIEW"
    connection.execute(
        f"CREATE TEMP {kind} events AS SELECT * FROM ({union}) "  # noqa: S608
        f"WHERE timestamp >= TIMESTAMP '{_naive(start).isoformat()}' "
        f"AND timestamp < TIMESTAMP '{_naive(end).isoformat()}'"
    )
    return connection


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def account_adoption(
    connection: duckdb.DuckDBPyConnection,
    *,
    user_ids: list[str],
    as_of: datetime,
    licensed_seats: int | None,
) -> AccountAdoption:
    """The adoption metrics of the account whose product users are `user_ids`, from an `events`
    view covering at least the 60 days before `as_of`."""
    end = _naive(as_of)
    connection.register("account_users", {"user_id": np.array(user_ids or [""], dtype=object)})
    params = {"end": end, "month": end - timedelta(days=MONTH_DAYS)}
    activity = (
        "FROM events JOIN account_users USING (user_id) "
        f"WHERE type IN {ACTIVITY_TYPES} AND timestamp < $end"
    )
    if not user_ids:
        activity += " AND false"
    row = connection.execute(
        "SELECT "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= $end - INTERVAL 1 DAY), "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= $end - INTERVAL 7 DAY), "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= $month), "
        "count(DISTINCT (user_id, floor(datediff('second', timestamp, $end) / 86400))) "
        "  FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp < $month AND timestamp >= $month - INTERVAL 30 DAY), "
        "count(DISTINCT event) FILTER (WHERE type = 'track' AND timestamp >= $month) "
        f"{activity}",
        params,
    ).fetchone()
    assert row is not None
    dau, wau, mau, user_days, last_30, previous_30, features_used = (int(v or 0) for v in row)
    available_row = connection.execute(
        "SELECT count(DISTINCT event) FROM events "
        "WHERE type = 'track' AND timestamp >= $month AND timestamp < $end",
        params,
    ).fetchone()
    features_available = int(available_row[0]) if available_row else 0
    depth = [
        FeatureDepth(event, int(events), int(users), int(events) / int(users))
        for event, events, users in connection.execute(
            f"SELECT event, count(*), count(DISTINCT user_id) {activity} "
            "AND type = 'track' AND timestamp >= $month GROUP BY event ORDER BY 2 DESC, 1",
            params,
        ).fetchall()
    ]
    average_dau = user_days / MONTH_DAYS
    return AccountAdoption(
        as_of=as_of,
        dau=dau,
        wau=wau,
        mau=mau,
        average_dau=average_dau,
        stickiness=_ratio(average_dau, mau),
        active_seats=mau,
        licensed_seats=licensed_seats,
        seat_utilisation=_ratio(mau, licensed_seats) if licensed_seats else None,
        features_used=features_used,
        features_available=features_available,
        feature_breadth=_ratio(features_used, features_available),
        feature_depth=depth,
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
    """`AdoptionSummary` of every account in `licensed_seats` with one scan of `events`, whose
    product users are the (user id, account id) pairs of `members`; the definitions are those of
    `account_adoption` (an account without activity has 0 active seats and no trend)."""
    end = _naive(as_of)
    params = {"end": end, "month": end - timedelta(days=MONTH_DAYS)}
    connection.register(
        "members",
        {
            "user_id": np.array([m[0] for m in members] or [""], dtype=object),
            "account_id": np.array([m[1] for m in members] or [0], dtype=np.int64),
        },
    )
    available_row = connection.execute(
        "SELECT count(DISTINCT event) FROM events "
        "WHERE type = 'track' AND timestamp >= $month AND timestamp < $end",
        params,
    ).fetchall()
    features_available = int(available_row[0][0]) if available_row else 0
    rows = connection.execute(
        "SELECT account_id, "  # noqa: S608 - ACTIVITY_TYPES is a constant
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp < $month), "
        "count(DISTINCT event) FILTER (WHERE type = 'track' AND timestamp >= $month) "
        "FROM events JOIN (SELECT DISTINCT user_id, account_id FROM members) USING (user_id) "
        f"WHERE type IN {ACTIVITY_TYPES} AND timestamp < $end "
        "AND timestamp >= $month - INTERVAL 30 DAY GROUP BY account_id",
        params,
    ).fetchall()
    found = {int(r[0]): tuple(int(v or 0) for v in r[1:]) for r in rows}

    result: dict[int, AdoptionSummary] = {}
    for account_id, seats in licensed_seats.items():
        mau, last_30, previous_30, features_used = found.get(account_id, (0, 0, 0, 0))
        result[account_id] = AdoptionSummary(
            active_seats=mau,
            seat_utilisation=_ratio(mau, seats) if seats else None,
            feature_breadth=_ratio(features_used, features_available),
            usage_trend=_ratio(last_30, previous_30),
        )
    return result


def workspace_usage(
    connection: duckdb.DuckDBPyConnection, *, start: datetime, end: datetime, top: int = 50
) -> WorkspaceUsage:
    """Activity of the whole workspace in [start, end): totals, per UTC day, per track event."""
    totals = connection.execute(
        "SELECT count(*), count(DISTINCT user_id) FROM events "
        "WHERE type IN ('track', 'page', 'screen')"
    ).fetchone()
    assert totals is not None
    daily = [
        DailyUsage(day.isoformat(), int(users), int(events))
        for day, users, events in connection.execute(
            "SELECT CAST(timestamp AS DATE) AS day, count(DISTINCT user_id), count(*) "
            "FROM events WHERE type IN ('track', 'page', 'screen') GROUP BY day ORDER BY day"
        ).fetchall()
    ]
    features = [
        FeatureDepth(event, int(events), int(users), _ratio(int(events), int(users)) or 0.0)
        for event, events, users in connection.execute(
            "SELECT event, count(*), count(DISTINCT user_id) FROM events "
            "WHERE type = 'track' GROUP BY event ORDER BY 2 DESC, 1 LIMIT $top",
            {"top": int(top)},
        ).fetchall()
    ]
    return WorkspaceUsage(start, end, int(totals[0]), int(totals[1]), daily, features)


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
    three scans: `members` maps product user id → account id; the `events` view must cover the
    60 days before `as_of`. Accounts without activity are absent."""
    if not members:
        return {}
    connection.register(
        "account_members",
        {
            "user_id": np.array(list(members), dtype=object),
            "account_id": np.array(list(members.values()), dtype=np.int64),
        },
    )
    end = _naive(as_of)
    params = {"end": end, "month": end - timedelta(days=MONTH_DAYS)}
    activity = (
        "FROM events JOIN account_members USING (user_id) "
        f"WHERE type IN {ACTIVITY_TYPES} AND timestamp < $end"
    )
    totals = connection.execute(
        "SELECT account_id, "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp >= $month), "
        "count(*) FILTER (WHERE timestamp < $month AND timestamp >= $month - INTERVAL 30 DAY) "
        f"{activity} GROUP BY account_id",
        params,
    ).fetchall()
    features: dict[int, dict[str, tuple[int, int]]] = {}
    for account_id, event, events, users in connection.execute(
        f"SELECT account_id, event, count(*), count(DISTINCT user_id) {activity} "
        "AND type = 'track' AND timestamp >= $month GROUP BY account_id, event",
        params,
    ).fetchall():
        features.setdefault(int(account_id), {})[str(event)] = (int(events), int(users))
    return {
        int(account_id): AccountActivity(
            int(users), int(events), int(previous), features.get(int(account_id), {})
        )
        for account_id, users, events, previous in totals
    }


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
    end = _naive(as_of)
    ends = [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    if not user_ids:
        return [
            ActiveUsersDay((e - timedelta(microseconds=1)).date().isoformat(), 0, 0, 0)
            for e in ends
        ]
    connection.register("trend_users", {"user_id": np.array(user_ids, dtype=object)})
    connection.register("trend_ends", {"window_end": np.array(ends, dtype="datetime64[us]")})
    rows = connection.execute(
        "SELECT window_end, "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= window_end - INTERVAL 1 DAY), "
        "count(DISTINCT user_id) FILTER (WHERE timestamp >= window_end - INTERVAL 7 DAY), "
        "count(DISTINCT user_id) "
        "FROM trend_ends JOIN ("
        "  SELECT user_id, timestamp FROM events JOIN trend_users USING (user_id) "
        "  WHERE type IN ('track', 'page', 'screen')"
        ") AS activity ON activity.timestamp < window_end "
        "AND activity.timestamp >= window_end - INTERVAL 30 DAY "
        "GROUP BY window_end"
    ).fetchall()
    found = {row[0]: row[1:] for row in rows}
    result = []
    for window_end in ends:
        dau, wau, mau = found.get(window_end, (0, 0, 0))
        label = (window_end - timedelta(microseconds=1)).date().isoformat()
        result.append(ActiveUsersDay(label, int(dau), int(wau), int(mau)))
    return result
