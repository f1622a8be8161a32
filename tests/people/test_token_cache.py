"""The token cache (ADR 0037): a hit costs no SQL, changes made in this process apply at once,
changes made by another process after `CXHUB_AUTH_CACHE_SECONDS`, and a stale use is still
recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from cxhub.api.app import create_app
from cxhub.api.deps import CurrentPrincipal
from cxhub.api.problems import install_problem_handlers
from cxhub.core.db import make_engine, unit_of_work, utcnow
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.people import service as people
from cxhub.people.models import ApiToken, User
from cxhub.people.token_cache import ResolvedToken, TokenCache
from tests.api.problems import assert_problem
from tests.factories import Tenant


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> TokenCache:
    return TokenCache(5, clock=clock)


def _probe_app(runtime: Runtime, cache: TokenCache) -> FastAPI:
    """Only the principal dependency (async routes, no handler SQL): what is counted is its own."""
    app = FastAPI()
    app.state.runtime = runtime
    app.state.token_cache = cache
    install_problem_handlers(app)

    @app.get("/whoami")
    async def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"user_id": principal.user_id, "role": principal.role.value}

    @app.post("/whoami")
    async def whoami_writing(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"user_id": principal.user_id, "role": principal.role.value}

    return app


@pytest.fixture
def probe(runtime: Runtime, cache: TokenCache) -> Iterator[TestClient]:
    with TestClient(_probe_app(runtime, cache)) as test_client:
        yield test_client


@pytest.fixture
def other_process(settings: Settings) -> Iterator[Engine]:
    """A second engine written through a bare connection: no session of this process sees it,
    as if another web worker or the CLI had made the change."""
    engine = make_engine(settings.effective_database_url)
    yield engine
    engine.dispose()


def _token_id(tenant: Tenant, role: Role) -> int:
    with tenant.session() as session:
        return int(
            session.scalar(select(ApiToken.id).where(ApiToken.user_id == tenant.user_ids[role]))
        )


def _last_used(tenant: Tenant, role: Role) -> datetime | None:
    with tenant.session() as session:
        found: datetime | None = session.scalar(
            select(ApiToken.last_used_at).where(ApiToken.user_id == tenant.user_ids[role])
        )
        return found


# --- the cache on its own -----------------------------------------------------------------------


def _resolved(token_id: int = 1) -> ResolvedToken:
    return ResolvedToken(token_id, None, 7, 3, Role.AGENT, "Ana", "en", "UTC")


def test_entries_expire_after_the_ttl(cache: TokenCache, clock: Clock) -> None:
    cache.put("h1", _resolved(), generation=cache.generation)
    clock.now += 4.9
    assert cache.get("h1") == _resolved()
    clock.now += 0.2
    assert cache.get("h1") is None


def test_the_least_recently_used_entry_goes_first(clock: Clock) -> None:
    small = TokenCache(5, max_entries=2, clock=clock)
    for key in ("a", "b"):
        small.put(key, _resolved(), generation=small.generation)
    assert small.get("a") is not None  # "b" is now the least recently used
    small.put("c", _resolved(), generation=small.generation)
    assert (small.get("a"), small.get("b"), small.get("c")) == (_resolved(), None, _resolved())


def test_a_lookup_older_than_a_clear_is_not_stored(cache: TokenCache) -> None:
    started = cache.generation
    cache.clear()  # a commit revoked something while the lookup read the database
    cache.put("h1", _resolved(), generation=started)
    assert cache.get("h1") is None


def test_zero_seconds_disables_the_cache() -> None:
    off = TokenCache(0)
    off.put("h1", _resolved(), generation=off.generation)
    assert off.get("h1") is None


def test_commits_that_change_users_or_tokens_clear_it(runtime: Runtime, tenant: Tenant) -> None:
    cache = TokenCache(5)

    def cleared_by(change: Any) -> bool:
        cache.put("h1", _resolved(), generation=cache.generation)
        with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
            change(session)
        return cache.get("h1") is None

    agent, token_id = tenant.user_ids[Role.AGENT], _token_id(tenant, Role.AGENT)
    assert cleared_by(lambda s: setattr(s.get(User, agent), "name", "Renamed"))
    assert cleared_by(lambda s: s.execute(update(User).where(User.id == agent).values(locale="de")))
    assert cleared_by(
        lambda s: s.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow())
        )
    )
    # reading, a token's use and a new token leave every cached token valid
    assert not cleared_by(lambda s: s.get(User, agent))
    assert not cleared_by(lambda s: people.touch_api_token(s, token_id=token_id))
    assert not cleared_by(
        lambda s: people.create_api_token(s, user=s.get(User, agent), name="another")
    )


def test_a_rolled_back_change_clears_nothing(runtime: Runtime, tenant: Tenant) -> None:
    cache = TokenCache(5)
    cache.put("h1", _resolved(), generation=cache.generation)

    def failing_request() -> None:
        with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
            session.get(User, tenant.user_ids[Role.AGENT]).name = "Never"  # type: ignore[union-attr]
            session.flush()
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    with unit_of_work(runtime.session_factory, tenant.workspace_id):
        pass  # a later commit that changed nothing
    assert cache.get("h1") is not None


# --- through the principal dependency -----------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_cached_token_costs_no_sql(
    probe: TestClient, tenant: Tenant, statements: list[str], method: str
) -> None:
    first = probe.request(method, "/whoami", headers=tenant.admin)
    assert first.status_code == 200, first.text
    assert any("api_tokens" in s for s in statements)
    statements.clear()
    again = probe.request(method, "/whoami", headers=tenant.admin)
    assert again.json() == {"user_id": tenant.user_ids[Role.ADMIN], "role": "admin"}
    assert statements == []


def test_with_the_cache_off_every_request_looks_the_token_up(
    runtime: Runtime, tenant: Tenant, statements: list[str]
) -> None:
    with TestClient(_probe_app(runtime, TokenCache(0))) as off:
        for _ in range(2):
            statements.clear()
            assert off.get("/whoami", headers=tenant.admin).status_code == 200
            assert any("api_tokens" in s for s in statements)


def test_the_setting_reaches_the_app(settings: Settings, runtime: Runtime) -> None:
    assert create_app(settings, runtime).state.token_cache.ttl_seconds == 5
    off = create_app(settings.model_copy(update={"auth_cache_seconds": 0}), runtime)
    assert not off.state.token_cache.enabled


def test_another_process_revoking_is_honoured_after_the_ttl(
    probe: TestClient, tenant: Tenant, clock: Clock, other_process: Engine
) -> None:
    assert probe.get("/whoami", headers=tenant.admin).status_code == 200
    token_id = _token_id(tenant, Role.ADMIN)
    with other_process.begin() as connection:
        connection.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow())
        )
    clock.now += 4
    # within the TTL this process may still accept it (docs/security.md) ...
    assert probe.get("/whoami", headers=tenant.admin).status_code == 200
    clock.now += 1.5
    # ... never after it
    assert_problem(probe.get("/whoami", headers=tenant.admin), 401, "unauthenticated")


def test_another_process_changing_a_role_is_honoured_after_the_ttl(
    probe: TestClient, tenant: Tenant, clock: Clock, other_process: Engine
) -> None:
    agent = tenant.headers(Role.AGENT)
    assert probe.get("/whoami", headers=agent).json()["role"] == "agent"
    with other_process.begin() as connection:
        connection.execute(
            update(User).where(User.id == tenant.user_ids[Role.AGENT]).values(role="viewer")
        )
    clock.now += 6
    assert probe.get("/whoami", headers=agent).json()["role"] == "viewer"


def test_a_cached_token_still_records_a_stale_use(
    probe: TestClient,
    cache: TokenCache,
    tenant: Tenant,
    statements: list[str],
    other_process: Engine,
) -> None:
    assert probe.get("/whoami", headers=tenant.admin).status_code == 200
    hour_ago = utcnow() - timedelta(hours=1)
    token_id = _token_id(tenant, Role.ADMIN)
    with other_process.begin() as connection:  # as if the last use was an hour ago
        connection.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=hour_ago)
        )
    key = people.token_hash(tenant.tokens[Role.ADMIN])
    cache.note_use(key, hour_ago)
    statements.clear()
    assert probe.get("/whoami", headers=tenant.admin).status_code == 200
    assert [s.split()[0].upper() for s in statements if "api_tokens" in s] == ["UPDATE"]
    assert utcnow() - (_last_used(tenant, Role.ADMIN) or hour_ago) < timedelta(minutes=1)
    cached = cache.get(key)  # the touch kept the entry and refreshed its time
    assert cached is not None
    assert cached.last_used_at is not None
    assert utcnow() - cached.last_used_at < timedelta(minutes=1)
    statements.clear()
    assert probe.get("/whoami", headers=tenant.admin).status_code == 200
    assert statements == []


# --- the real app: changes made over the API apply to the very next request ---------------------


def _cached(app: FastAPI, secret: str) -> bool:
    return app.state.token_cache.get(people.token_hash(secret)) is not None


def test_a_revoked_token_is_refused_at_once(
    app: FastAPI, client: TestClient, tenant: Tenant
) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "cached"}, headers=tenant.admin)
    token = created.json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert _cached(app, token["token"])
    assert client.delete(f"/api/v1/me/tokens/{token['id']}", headers=auth).status_code == 200
    assert_problem(client.get("/api/v1/me", headers=auth), 401, "unauthenticated")


def test_a_deactivated_user_is_refused_at_once(
    app: FastAPI, client: TestClient, tenant: Tenant
) -> None:
    agent = tenant.headers(Role.AGENT)
    assert client.get("/api/v1/me", headers=agent).status_code == 200
    assert _cached(app, tenant.tokens[Role.AGENT])
    response = client.patch(
        f"/api/v1/users/{tenant.user_ids[Role.AGENT]}",
        json={"is_active": False},
        headers=tenant.admin,
    )
    assert response.status_code == 200
    assert_problem(client.get("/api/v1/me", headers=agent), 401, "unauthenticated")


def test_a_role_change_applies_at_once(app: FastAPI, client: TestClient, tenant: Tenant) -> None:
    viewer = tenant.headers(Role.VIEWER)
    assert_problem(
        client.post("/api/v1/teams", json={"name": "Denied"}, headers=viewer), 403, "forbidden"
    )
    assert _cached(app, tenant.tokens[Role.VIEWER])
    promoted = client.patch(
        f"/api/v1/users/{tenant.user_ids[Role.VIEWER]}",
        json={"role": "admin"},
        headers=tenant.admin,
    )
    assert promoted.status_code == 200
    assert client.post("/api/v1/teams", json={"name": "Allowed"}, headers=viewer).status_code == 201
    demoted = client.patch(
        f"/api/v1/users/{tenant.user_ids[Role.VIEWER]}",
        json={"role": "viewer"},
        headers=tenant.admin,
    )
    assert demoted.status_code == 200
    assert_problem(
        client.post("/api/v1/teams", json={"name": "Denied again"}, headers=viewer),
        403,
        "forbidden",
    )
