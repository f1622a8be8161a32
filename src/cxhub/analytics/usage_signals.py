"""Adoption figures for many accounts in one DuckDB query: the inputs of the usage-based
playbook triggers (docs/playbooks.md). Same definitions as `adoption.account_adoption`
(activity = `track`/`page`/`screen` by a product user; month = the 30 days before `as_of`, the
earlier month the 30 before that), computed per account with one GROUP BY instead of one query
per account, so the hourly check reads a batch of accounts in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from cxhub.analytics.adoption import ACTIVITY_TYPES, MONTH_DAYS

# ACTIVITY_TYPES is a constant of the adoption module; every value is a bound parameter.
USAGE_BY_ACCOUNT = (
    "SELECT account_id, "  # noqa: S608
    "count(DISTINCT user_id) FILTER (WHERE timestamp >= $month), "
    "count(*) FILTER (WHERE timestamp >= $month), "
    "count(*) FILTER (WHERE timestamp < $month AND timestamp >= $earlier) "
    "FROM events JOIN account_user_pairs USING (user_id) "
    f"WHERE type IN {ACTIVITY_TYPES} AND timestamp < $end AND timestamp >= $earlier "
    "GROUP BY account_id"
)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AccountUsage:
    active_seats: int  # distinct active users in the month (MAU)
    events_last_30_days: int
    events_previous_30_days: int

    @property
    def usage_trend(self) -> float | None:
        if not self.events_previous_30_days:
            return None
        return self.events_last_30_days / self.events_previous_30_days


def accounts_usage(
    connection: duckdb.DuckDBPyConnection,
    *,
    users_by_account: dict[int, list[str]],
    as_of: datetime,
) -> dict[int, AccountUsage]:
    """Per account of `users_by_account` (product user ids), from an `events` view covering at
    least the 60 days before `as_of` (`adoption.open_events`); accounts without activity get
    zeroes."""
    result = {account: AccountUsage(0, 0, 0) for account in users_by_account}
    pairs = [(a, u) for a, users in users_by_account.items() for u in users]
    if not pairs:
        return result
    connection.register(
        "account_user_pairs",
        {
            "account_id": np.array([a for a, _ in pairs], dtype=np.int64),
            "user_id": np.array([u for _, u in pairs], dtype=object),
        },
    )
    end = _naive(as_of)
    month = end - timedelta(days=MONTH_DAYS)
    rows = connection.execute(
        USAGE_BY_ACCOUNT,
        {"end": end, "month": month, "earlier": month - timedelta(days=MONTH_DAYS)},
    ).fetchall()
    connection.unregister("account_user_pairs")
    for account_id, active, last_30, previous_30 in rows:
        result[int(account_id)] = AccountUsage(int(active), int(last_30), int(previous_30))
    return result
