"""With CXHUB_RATE_LIMIT_BACKEND=redis, public-endpoint limits are shared by every process: two
app instances (as two web workers) draw from the same buckets (ADR 0022)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from cxhub.api.app import create_app
from cxhub.core.ratelimit import RateLimited, RateLimiter
from cxhub.core.ratelimit_redis import RedisRateLimiter
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from cxhub.people.login_guard import LoginGuard
from tests.core.redis.conftest import REDIS_URL
from tests.factories import Tenant
from tests.success.usage.conftest import basic, issue_write_key


@pytest.fixture
def two_apps(redis_settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    shared = redis_settings.model_copy(
        update={"jobs_backend": "sync", "tracking_requests_per_minute": 3}
    )
    runtimes = [build_runtime(shared), build_runtime(shared)]
    clients = [TestClient(create_app(shared, runtime)) for runtime in runtimes]
    try:
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for runtime in runtimes:
            runtime.close()


def _spam(n: int) -> dict[str, Any]:
    """A submission the honeypot rejects (400) after it took its token: the limit is what is
    tested, without adding tickets to the suite's shared search index."""
    return {
        "name": "Ada",
        "email": "ada@example.com",
        "subject": f"Cheap watches {n}",
        "description": "Buy now.",
        "website": "https://spam.example",
    }


def test_the_public_ticket_form_limit_is_shared_by_two_app_instances(
    two_apps: tuple[TestClient, TestClient], tenant: Tenant
) -> None:
    first, second = two_apps
    url = f"/api/v1/public/{tenant.slug}/tickets"
    answers = [(first if n % 2 else second).post(url, json=_spam(n)).status_code for n in range(5)]
    assert answers == [400] * 5  # 5 per 10 minutes per client, counted once across both
    for app_client in (first, second):
        refused = app_client.post(url, json=_spam(6))
        assert refused.status_code == 429
        assert refused.json()["type"].endswith("rate-limited")
        assert int(refused.headers["Retry-After"]) >= 1


def test_the_tracking_limit_is_shared_by_two_app_instances(
    two_apps: tuple[TestClient, TestClient], tenant: Tenant
) -> None:
    first, second = two_apps
    key = issue_write_key(first, tenant)
    event = {"type": "track", "userId": "u-1", "event": "Report Built"}
    assert first.post("/v1/track", json=event, headers=basic(key)).status_code == 200
    assert second.post("/v1/track", json=event, headers=basic(key)).status_code == 200
    assert first.post("/v1/track", json=event, headers=basic(key)).status_code == 200
    assert second.post("/v1/track", json=event, headers=basic(key)).status_code == 429


def test_login_failures_of_one_address_count_across_processes(redis_settings: Settings) -> None:
    limited = redis_settings.model_copy(update={"jobs_backend": "sync", "login_ip_max_failures": 2})
    runtimes = [build_runtime(limited), build_runtime(limited)]
    try:
        guards = [
            LoginGuard(limited, rt.session_factory, rate_limits=rt.rate_limiter) for rt in runtimes
        ]
        with runtimes[0].session_factory() as session:
            guards[0].failed(session, email="nobody@example.com", client_ip="203.0.113.9")
        with runtimes[1].session_factory() as session:
            assert (
                guards[1].retry_after(session, email="x@example.com", client_ip="203.0.113.9") == 0
            )
            guards[1].failed(session, email="nobody@example.com", client_ip="203.0.113.9")
            # Two failures from this address, one in each process: the next try waits.
            assert guards[0].retry_after(session, email="x@example.com", client_ip="203.0.113.9")
    finally:
        for runtime in runtimes:
            runtime.close()


def test_concurrent_hits_from_two_clients_never_exceed_the_capacity(redis_prefix: str) -> None:
    clients = [redis.Redis.from_url(REDIS_URL) for _ in range(2)]
    limiters = [
        RedisRateLimiter(c, name="race", key_prefix=redis_prefix, capacity=50, period_seconds=3600)
        for c in clients
    ]
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer(limiter: RedisRateLimiter) -> None:
        for _ in range(30):
            decision = limiter.hit("203.0.113.7")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer, args=(limiters[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(allowed) == 120
    assert allowed.count(True) == 50
    for client in clients:
        client.close()


def test_tokens_refill_over_the_period(redis_prefix: str, redis_client: redis.Redis) -> None:
    now = [1_700_000_000.0]
    limiter = RedisRateLimiter(
        redis_client,
        name="refill",
        key_prefix=redis_prefix,
        capacity=2,
        period_seconds=10,
        clock=lambda: now[0],
    )
    assert limiter.hit("k").allowed
    assert limiter.hit("k").allowed
    refused = limiter.hit("k")
    assert (refused.allowed, refused.retry_after) == (False, 5)
    assert limiter.retry_after("k") == 5
    assert limiter.retry_after("another key") == 0
    now[0] += 5
    assert limiter.retry_after("k") == 0
    limiter.check("k")
    with pytest.raises(RateLimited):
        limiter.check("k")


def test_an_unreachable_redis_falls_back_to_a_limit_in_this_process() -> None:
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    limiter = RedisRateLimiter(
        unreachable, name="down", key_prefix="unused", capacity=1, period_seconds=60
    )
    assert limiter.hit("k").allowed
    assert not limiter.hit("k").allowed
    assert limiter.retry_after("k") >= 1


def test_memory_stays_the_default_backend(settings: Settings) -> None:
    runtime = build_runtime(settings.model_copy(update={"jobs_backend": "sync"}))
    try:
        limiter = runtime.rate_limiter("x", capacity=1, period_seconds=1)
        assert isinstance(limiter, RateLimiter)
        assert runtime.redis is None
    finally:
        runtime.close()
