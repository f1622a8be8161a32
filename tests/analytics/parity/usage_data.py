"""Deterministic usage events for the parity suite: a few thousand calls over 70 days in the
store's layout (Parquet day partitions written by DuckDB with the store's `PARQUET_OPTIONS`, as
compaction writes them) plus inbox rows, with the edge cases where engines tend to differ:

- calls exactly on UTC midnights, on the window bounds (`as_of` minus 1, 7, 30 and 60 days:
  included) and at `as_of` itself (excluded), and with microseconds just before a bound;
- inbox rows stamped in other time zones (+07:00, -05:00) whose UTC day differs from the local;
- inbox rows that repeat a messageId already in a file of their day (counted once) and inbox
  rows on days without files;
- anonymous calls (no userId), track calls without an event name, non-activity calls
  (identify, group), empty-string and non-ASCII event names;
- product users who belong to several accounts, members listed twice, and an account
  whose users never appear.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from cxhub.success.usage.storage import PARQUET_OPTIONS, day_dir, import_file_name

AS_OF = datetime(2026, 3, 30, 9, 30, tzinfo=UTC)  # the end of March: a month boundary inside
WORKSPACE_ID = 7
FEATURES = ["Report Built", "Export", "Invite Sent", "Dashboard Viewed", "报告", "", "Ekspor"]
TYPES = ["track"] * 6 + ["page", "screen", "identify", "group"]


@dataclass(frozen=True)
class UsageData:
    data_dir: Path
    files: list[tuple[Path, date]]
    inbox: list[tuple[str, str, str | None, str | None, datetime]]
    members: list[tuple[str, int]]
    as_of: datetime


Call = tuple[str, str, str | None, str | None, datetime]


def _calls(rng: random.Random, count: int) -> list[Call]:
    end = AS_OF.replace(tzinfo=None)
    calls: list[Call] = []
    for number in range(count):
        kind = rng.choice(TYPES)
        user = None if rng.random() < 0.05 else f"user-{rng.randint(1, 60)}"
        event = rng.choice([*FEATURES, None]) if kind == "track" else None
        when = end - timedelta(
            seconds=rng.randint(0, 70 * 86_400), microseconds=rng.randint(0, 999_999)
        )
        calls.append((f"m-{number}", kind, event, user, when))
    edges = [end - timedelta(days=d) for d in (0, 1, 7, 30, 60)]
    midnights = [datetime(2026, 3, day) for day in (1, 29, 30)] + [datetime(2026, 2, 28)]
    just_before = [e - timedelta(microseconds=1) for e in edges]
    for index, when in enumerate(edges + midnights + just_before):
        user = f"user-{index % 7 + 1}"
        calls.append((f"edge-{index}", "track", FEATURES[index % 4], user, when))
        calls.append((f"edge-page-{index}", "page", None, f"user-{index % 5 + 40}", when))
    return calls


def write_usage_data(data_dir: Path, *, seed: int = 11, count: int = 4000) -> UsageData:
    """Writes the files under `data_dir` and returns them with the inbox rows and members."""
    rng = random.Random(seed)
    calls = _calls(rng, count)
    rng.shuffle(calls)
    stored, recent = calls[: int(len(calls) * 0.9)], calls[int(len(calls) * 0.9) :]
    by_day: dict[date, list[Call]] = {}
    for call in stored:
        by_day.setdefault(call[4].date(), []).append(call)
    files: list[tuple[Path, date]] = []
    with duckdb.connect() as connection:
        connection.execute(
            "CREATE TABLE staged (message_id VARCHAR, type VARCHAR, event VARCHAR, "
            "user_id VARCHAR, timestamp TIMESTAMP)"
        )
        for part, (day, rows) in enumerate(sorted(by_day.items())):
            connection.execute("DELETE FROM staged")
            connection.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?)", rows)
            folder = day_dir(data_dir, WORKSPACE_ID, day)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / import_file_name("20260330T000000-0000beef", part)
            connection.execute(f"COPY staged TO '{path}' ({PARQUET_OPTIONS})")
            files.append((path, day))
    zones = [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5))]
    inbox: list[Call] = [
        (m, t, e, u, ts.replace(tzinfo=UTC).astimezone(zones[i % 3]))
        for i, (m, t, e, u, ts) in enumerate(recent)
    ]
    resent = [call for call in stored if call[4].date() in {c[4].date() for c in recent}][:25]
    inbox += [(m, t, e, u, ts.replace(tzinfo=UTC)) for m, t, e, u, ts in resent]
    members = [(f"user-{n}", 1 + n % 9) for n in range(1, 61)]
    members += [(f"user-{n}", 100) for n in range(1, 61, 4)]  # also in a second account
    members += [("user-3", 1 + 3 % 9), ("ghost-user", 200)]  # listed twice; never active
    return UsageData(data_dir, files, inbox, members, AS_OF)
