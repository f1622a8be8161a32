"""`usage_metrics.adoption_by_account` counts distinct users and features with plain GROUP BYs
(ADR 0034): on random events, including blank feature names, users of two accounts, strangers,
non-activity calls and moments on the window edges, it gives what counting by hand in Python
gives."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from cxhub.analytics import engine
from cxhub.analytics import usage_metrics as metrics
from cxhub.analytics.adoption import accounts_activity_at, members_table, rows_of

AS_OF = datetime(2026, 6, 1, 6, 30)
W = metrics.Windows.before(AS_OF)
EDGES = [W.end, W.day, W.week, W.month, W.previous_month]


def _events(rng: random.Random, users: list[str], count: int) -> list[tuple[Any, ...]]:
    rows = []
    for n in range(count):
        if rng.random() < 0.2:  # exactly on a window edge, or a microsecond either side
            moment = rng.choice(EDGES) + timedelta(microseconds=rng.choice([-1, 0, 1]))
        else:
            moment = AS_OF - timedelta(seconds=rng.randint(-7_200, 65 * 86_400))
        kind = rng.choice(["track", "track", "page", "screen", "identify"])
        name = rng.choice(["A", "B", "C", "D", None]) if kind == "track" else "Home"
        rows.append((f"m{n}", kind, name, rng.choice([*users, "stranger", None]), moment))
    return rows


def _by_hand(
    events: list[tuple[Any, ...]], members: list[tuple[str, int]]
) -> dict[int, dict[str, int]]:
    accounts_of: dict[str, set[int]] = defaultdict(set)
    for user, account in members:
        accounts_of[user].add(account)
    users: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    features: dict[int, set[str]] = defaultdict(set)
    for _, kind, name, user, moment in events:
        if kind not in metrics.ACTIVITY_TYPES or not W.previous_month <= moment < W.end:
            continue
        for account in accounts_of.get(user, set()):
            month = moment >= W.month
            counts[account]["events_last_30_days" if month else "events_previous_30_days"] += 1
            for window, start in (("mau", W.month), ("wau", W.week), ("dau", W.day)):
                if moment >= start:
                    users[account][window].add(user)
            if month and kind == "track" and name is not None:
                features[account].add(name)
    return {
        account: {
            "mau": len(users[account]["mau"]),
            "wau": len(users[account]["wau"]),
            "dau": len(users[account]["dau"]),
            "events_last_30_days": counts[account]["events_last_30_days"],
            "events_previous_30_days": counts[account]["events_previous_30_days"],
            "features_used": len(features[account]),
        }
        for account in counts
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distinct_counts_per_account_equal_counting_by_hand(seed: int) -> None:
    rng = random.Random(seed)
    users = [f"u{n}" for n in range(12)]
    members = [(user, 1 + n % 4) for n, user in enumerate(users)] + [("u0", 2), ("u5", 4)]
    events = _events(rng, users, 400)
    columns = dict(zip(engine.EVENT_SCHEMA.names, zip(*events, strict=True), strict=True))
    backend = engine.on_duckdb(duckdb.connect())
    table = engine.record_table(columns, engine.EVENT_SCHEMA)
    found = rows_of(
        backend,
        metrics.adoption_by_account(
            table, members_table(backend, members), as_of=AS_OF, daily=True
        ),
    )
    wanted = _by_hand(events, members)
    month_features = {
        name
        for _, kind, name, _, moment in events
        if kind == "track" and name is not None and W.month <= moment < W.end
    }
    assert {int(r["account_id"]) for r in found} == set(wanted)
    for row in found:
        figures = wanted[int(row["account_id"])]
        assert {k: int(row[k]) for k in figures} == figures, row["account_id"]
        assert int(row["features_available"]) == len(month_features)


@pytest.mark.parametrize("seed", [4, 5])
def test_activity_at_several_ends_equals_adoption_at_each(seed: int) -> None:
    """`accounts_activity_at` (one scan, the success summary by month) gives, at each end,
    the MAU and event counts `adoption_by_account` gives at that end alone; a repeated end is
    counted once."""
    rng = random.Random(seed)
    users = [f"u{n}" for n in range(12)]
    members = {user: 1 + n % 4 for n, user in enumerate(users)}  # one account a user here
    events = _events(rng, users, 400)
    columns = dict(zip(engine.EVENT_SCHEMA.names, zip(*events, strict=True), strict=True))
    connection = duckdb.connect()
    connection.register("calls", pa.table(columns))
    connection.execute("CREATE TABLE events AS SELECT * FROM calls")
    backend = engine.on_duckdb(connection)
    ends = [(AS_OF - timedelta(days=days)).replace(tzinfo=UTC) for days in (0, 3, 17, 30, 0)]
    found = accounts_activity_at(connection, members=members, ends=ends)
    assert set(found) == set(ends)
    for end in ends:
        alone = rows_of(
            backend,
            metrics.adoption_by_account(
                backend.table("events"), members_table(backend, members.items()), as_of=end
            ),
        )
        wanted = {
            int(r["account_id"]): (
                int(r["mau"]),
                int(r["events_last_30_days"]),
                int(r["events_previous_30_days"]),
            )
            for r in alone
        }
        got = {a: (v.active_users, v.events, v.previous_events) for a, v in found[end].items()}
        assert got == wanted, end
        assert any(v[1] for v in got.values())  # not trivially empty
