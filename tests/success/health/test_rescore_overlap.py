"""The rescore's event aggregation runs in a worker thread while the SQL inputs are read (ADR
0034): the inputs it gives equal the per-account reference, and a failure on either side is
raised after the worker has finished."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from cxhub.analytics import adoption, health_inputs
from cxhub.core.runtime import Runtime
from cxhub.success.usage.compaction import compact
from tests.analytics.test_adoption import _make_account
from tests.factories import Tenant, unique
from tests.success.usage.test_compaction import add_events

AS_OF = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
FEATURES = ["Report Built", "Export", "Invite Sent", "Dashboard Viewed", "Alert Set"]


def _random_calls(rng: random.Random, users: list[str], count: int) -> list[dict[str, Any]]:
    """Track, page and identify calls over the 62 days before `AS_OF` (so some fall outside
    the 60-day window) and a few after it, by members and strangers."""
    calls = []
    for _ in range(count):
        kind = rng.choice(["track", "track", "track", "page", "identify"])
        moment = AS_OF - timedelta(seconds=rng.randint(-3_600, 62 * 86_400))
        call: dict[str, Any] = {
            "type": kind,
            "userId": rng.choice([*users, "stranger-1", "stranger-2"]),
            "messageId": unique("m"),
            "timestamp": moment.isoformat(),
        }
        if kind == "track":
            call["event"] = rng.choice(FEATURES)
        elif kind == "page":
            call["name"] = "Pricing"
        calls.append(call)
    return calls


def _same(column: float, reference: float | None) -> bool:
    return bool(np.isnan(column)) if reference is None else column == reference


def test_the_overlapped_aggregation_equals_the_per_account_reference(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    """Random accounts and events, some compacted to Parquet (out of order: the files are
    written before later-arriving older events reach the inbox), some still in the inbox and
    one re-sent: every account's usage inputs equal `adoption.account_adoption` computed for
    that account alone on the same events, and the SQL inputs are there too."""
    rng = random.Random(11)
    data_dir = runtime.settings.data_dir
    members: dict[int, list[str]] = {}
    for n in range(8):
        users = [unique(f"u{n}-") for _ in range(rng.randint(0, 4))]
        seats = rng.choice([None, 0, 2, 10])
        members[_make_account(client, tenant, users, seats)] = users
    everyone = [u for users in members.values() for u in users]
    early = _random_calls(rng, everyone, 150)
    add_events(tenant, early, arrived=AS_OF - timedelta(days=70))
    with tenant.session() as session:
        compact(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            older_than=AS_OF - timedelta(days=69),
        )
    late = _random_calls(rng, everyone, 120)  # arrive after the files, timestamps as old
    add_events(tenant, [*late, early[0]], arrived=AS_OF)
    timings: dict[str, float] = {}
    with tenant.session() as session:
        table = health_inputs.account_input_table(
            session,
            workspace_id=tenant.workspace_id,
            as_of=AS_OF,
            data_dir=data_dir,
            timings=timings,
        )
        connection = adoption.open_events(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            start=AS_OF - timedelta(days=60),
            end=AS_OF,
        )
        seats = {
            a: adoption.licensed_seats_of(attributes)
            for a, attributes in health_inputs._attributes_of(session, list(members)).items()
        }
    assert sorted(table.account_ids.tolist()) == sorted(members)
    active = 0
    with connection:
        for position, account_id in enumerate(table.account_ids.tolist()):
            wanted = adoption.account_adoption(
                connection,
                user_ids=members[account_id],
                as_of=AS_OF,
                licensed_seats=seats[account_id],
            )
            active += wanted.mau
            for name, value in (
                ("usage_trend", wanted.usage_trend),
                ("feature_breadth", wanted.feature_breadth),
                ("seat_utilisation", wanted.seat_utilisation),
            ):
                assert _same(table.columns[name][position], value), (account_id, name)
            assert not np.isnan(table.columns["support_load"][position])  # a SQL input
    assert active > 0  # the scenario has activity to compare
    assert {"sql", "events", "events_wait", "combine"} <= set(timings)


def test_a_failing_sql_input_waits_for_the_worker_and_is_raised(
    client: TestClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_account(client, tenant, ["a1"], seats=3)
    add_events(tenant, _random_calls(random.Random(2), ["a1"], 20), arrived=AS_OF)
    finished: list[bool] = []
    real = health_inputs._usage_figures

    def slow_aggregation(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        finished.append(True)
        return result

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(health_inputs, "_usage_figures", slow_aggregation)
    monkeypatch.setattr(health_inputs, "_sla", broken)
    with tenant.session() as session, pytest.raises(RuntimeError, match="went away"):
        health_inputs.account_input_table(
            session, workspace_id=tenant.workspace_id, as_of=AS_OF,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip
    assert finished == [True]
    assert not [t for t in threading.enumerate() if t.name.startswith("health-usage")]


def test_a_failing_aggregation_is_raised_in_the_callers_thread(
    client: TestClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_account(client, tenant, ["a1"], seats=3)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("no such file")

    monkeypatch.setattr(health_inputs, "usage_figures_on", broken)
    with tenant.session() as session, pytest.raises(ValueError, match="no such file"):
        health_inputs.account_input_table(
            session, workspace_id=tenant.workspace_id, as_of=AS_OF,
            data_dir=runtime.settings.data_dir,
        )  # fmt: skip


def test_another_engine_runs_in_the_worker_too(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    """The engine seam's other branch (a backend from an Ibis URL, here an in-memory DuckDB
    reached through `ibis.connect`) runs in the worker thread and gives the same inputs."""
    from cxhub.analytics.engine import EngineConfig

    rng = random.Random(5)
    users = [unique("u") for _ in range(3)]
    _make_account(client, tenant, users, seats=4)
    _make_account(client, tenant, [], seats=None)
    add_events(tenant, _random_calls(rng, users, 60), arrived=AS_OF)
    tables = []
    for config in (None, EngineConfig(backend="ibis-url", ibis_url="duckdb://")):
        with tenant.session() as session:
            table = health_inputs.account_input_table(
                session, workspace_id=tenant.workspace_id, as_of=AS_OF,
                data_dir=runtime.settings.data_dir, engine_config=config,
            )  # fmt: skip
            tables.append(table)
    default, other = tables
    assert default.account_ids.tolist() == other.account_ids.tolist()
    assert default.columns.keys() == other.columns.keys()
    for name, values in default.columns.items():
        np.testing.assert_array_equal(values, other.columns[name], err_msg=name)
    assert not np.isnan(default.columns["seat_utilisation"]).all()
