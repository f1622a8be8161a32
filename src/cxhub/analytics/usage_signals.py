"""Adoption figures for many accounts in one aggregation: the inputs of the usage-based
playbook triggers (docs/playbooks.md). The same Ibis expression as `adoption.accounts_adoption`
(`usage_metrics.adoption_by_account`: activity = `track`/`page`/`screen` by a product user;
month = the 30 days before `as_of`, the earlier month the 30 before that), computed per account
with one GROUP BY instead of one query per account, so the hourly check reads a batch of
accounts in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from cxhub.analytics import adoption, engine
from cxhub.analytics import usage_metrics as metrics


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
    pairs = [(u, a) for a, users in users_by_account.items() for u in users]
    if not pairs:
        return result
    backend = engine.on_duckdb(connection)
    events = engine.events_by_name()
    expression = metrics.adoption_by_account(
        events, adoption.members_table(backend, pairs), as_of=as_of
    )
    for row in adoption.rows_of(backend, expression):
        result[int(row["account_id"])] = AccountUsage(
            int(row["mau"]), int(row["events_last_30_days"]), int(row["events_previous_30_days"])
        )
    return result
