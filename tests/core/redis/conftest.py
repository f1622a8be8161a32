"""Fixtures for tests against the real Redis (CXHUB_TEST_REDIS_URL, default 127.0.0.1:6379/0).

Every test writes under a key prefix of its own and deletes its keys afterwards (never FLUSHALL:
the Redis is shared).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from cxhub.core.settings import Settings

REDIS_URL = os.environ.get("CXHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"cxhub-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"the Redis tests need a Redis at {REDIS_URL}: {exc}")
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_client(redis_prefix: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def redis_settings(settings: Settings, redis_prefix: str) -> Settings:
    """The suite's settings with every job, lease and limit going through Redis."""
    return settings.model_copy(
        update={
            "jobs_backend": "redis",
            "redis_url": REDIS_URL,
            "redis_key_prefix": redis_prefix,
            "rate_limit_backend": "redis",
            "jobs_dead_worker_seconds": 2.0,
            "scheduler": False,
        }
    )


def worker_environment(settings: Settings) -> dict[str, str]:
    """Environment for a worker subprocess with the same database and Redis keys."""
    env = dict(os.environ)
    env.update(
        {
            "CXHUB_ENVIRONMENT": "test",
            "CXHUB_DATABASE_URL": settings.effective_database_url,
            "CXHUB_DATA_DIR": str(settings.data_dir),
            "CXHUB_SECRET_KEY": settings.secret_key,
            "CXHUB_JOBS_BACKEND": "redis",
            "CXHUB_REDIS_URL": settings.redis_url or REDIS_URL,
            "CXHUB_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "CXHUB_JOBS_DEAD_WORKER_SECONDS": str(settings.jobs_dead_worker_seconds),
            "CXHUB_SCHEDULER": "false",
            "CXHUB_SHUTDOWN_GRACE_SECONDS": "20",
        }
    )
    return env
