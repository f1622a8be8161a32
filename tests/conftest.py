"""Test fixtures: one fresh database per run (SQLite file or a new PostgreSQL database), built by
running the migrations; every test works inside workspaces of its own, so tests never see each
other's rows and nothing depends on what an earlier run left behind.

Set CXHUB_TEST_DATABASE_URL=postgresql://user@host:port/db to run on PostgreSQL; the suite creates
(and afterwards drops) a database of its own next to `db`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from cxhub.api.app import create_app
from cxhub.core.migrate import upgrade_database
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings, normalise_database_url
from tests.factories import Tenant, make_tenant

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Tests of pure modules: they never open the database, so the PostgreSQL pass of CI
# (`-m "not nodb"`) need not run them a second time.
DATABASE_FREE = (
    "analytics/churn/",
    "benchmarks/",
    "analytics/parity/",
    "analytics/test_engine.py",
    "analytics/clv/",
    "analytics/test_expansion.py",
    "analytics/test_formulas.py",
    "analytics/test_success.py",
    "analytics/test_formula_properties.py",
    "analytics/test_health.py",
    "analytics/test_health_backtest.py",
    "core/test_redaction.py",
    "success/usage/test_bulk_import_steps.py",
    "success/usage/test_import_checks.py",
    "experience/journeys/test_formulas.py",
    "experience/journeys/test_metrics.py",
    "experience/journeys/test_rules.py",
    "privacy/test_coverage.py",
    "service/sla/test_calendar.py",
    "service/sla/test_clock.py",
    "service/sla/test_policy_match.py",
    "service/automations/test_engine.py",
    "service/automations/test_rules.py",
    "service/automations/test_templates.py",
    "service/mail/test_charsets.py",
    "service/mail/test_compose.py",
    "service/mail/test_parsing.py",
    "service/mail/test_parsing_properties.py",
    "service/mail/test_quotes.py",
    "service/tickets/test_status.py",
    "core/test_outbound_http.py",
    # Real Redis and processes; the leases never touch the database.
    "core/redis/test_scheduler_lease.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent
    for item in items:
        relative = item.path.resolve().relative_to(root).as_posix()
        if relative.startswith(DATABASE_FREE):
            item.add_marker(pytest.mark.nodb)


# Run by one pytest-xdist worker as a whole: the Spark parity tests share one SparkSession (one
# JVM) and one generated data set, both session-scoped.
ONE_WORKER = ("tests/analytics/parity/",)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (what `dev.py test` asks for), with the folders in ONE_WORKER as one unit.

    Each test file stays on one worker, so its module-scoped set-ups (a seeded demo, a live
    server, a browser) are built once, not once per worker. (pytest-xdist's own `xdist_group`
    marks cannot do this: pytest 9.2 no longer lets xdist rename a node id.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def add_node_collection(self, node: Any, collection: Any) -> None:
            # xdist's scope schedulers key the tests by node id, and under pytest 9.2 the 243
            # schemathesis tests of test_openapi_fuzz.py share one (the operation is left out):
            # keyed as they are, all but one would silently never run. Number the repeats.
            super().add_node_collection(node, _distinct(collection))

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((unit for unit in ONE_WORKER if path.startswith(unit)), path)

    return FileScheduling(config, log)


def _distinct(nodeids: list[str]) -> list[str]:
    """The node ids with each repeat made unique (`a`, `a`, `a` -> `a`, `a #2`, `a #3`)."""
    seen: dict[str, int] = {}
    distinct = []
    for nodeid in nodeids:
        seen[nodeid] = seen.get(nodeid, 0) + 1
        distinct.append(nodeid if seen[nodeid] == 1 else f"{nodeid} #{seen[nodeid]}")
    return distinct


def _create_postgres_database(base_url: str) -> tuple[str, str]:
    import psycopg

    url = make_url(normalise_database_url(base_url))
    name = f"cxhub_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), admin_dsn


def _drop_postgres_database(test_url: str, admin_dsn: str) -> None:
    import psycopg

    name = make_url(test_url).database
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its lowest cost while the suite runs.

    The product's RFC 9106 low-memory profile costs ~0.15 s of CPU per hash and again per login,
    and hundreds of tests create users with passwords and sign in. Hashing and verifying still go
    through cxhub.people.passwords and real argon2id; only the cost parameters (which the hash
    records) differ. Subprocesses (`cxhub serve`) keep the product's profile.
    """
    from argon2 import PasswordHasher

    from cxhub.people import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("CXHUB_TEST_DATABASE_URL")
    if base and not base.startswith("sqlite"):
        url, admin_dsn = _create_postgres_database(base)
        try:
            upgrade_database(url)
            yield url
        finally:
            _drop_postgres_database(url, admin_dsn)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cxhub-test.sqlite3'}"
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        jobs_backend="sync",
    )


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    active = build_runtime(settings)
    yield active
    active.close()


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    """A fresh workspace with one user (and API token) per role."""
    return make_tenant(runtime)


@pytest.fixture
def other_tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"public data sets not found at {SHARED_DATA}; the suite needs ../shared/data")
    return SHARED_DATA


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the runtime's engine sends while the test runs (statement counts)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    yield seen
    event.remove(runtime.engine, "before_cursor_execute", record)
