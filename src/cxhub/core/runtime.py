"""The objects one running cxhub needs, built from settings (never at import time)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import make_engine, make_session_factory, reader_bind
from cxhub.core.events import EventBus
from cxhub.core.jobs import (
    InProcessJobQueue,
    JobQueue,
    JobRegistry,
    SyncJobQueue,
    attach_job_outbox,
)
from cxhub.core.maintenance import install_maintenance
from cxhub.core.ratelimit import Limiter, RateLimiter
from cxhub.core.scheduler import Scheduler
from cxhub.core.settings import ConfigurationError, Settings
from cxhub.core.sqlite_checkpoints import stop_checkpointer

log = logging.getLogger(__name__)

#: Entry-point group through which domains register their jobs, subscribers and periodic
#: tasks (`install(runtime)`), so the core never imports a domain (see docs/architecture.md).
INSTALLER_GROUP = "cxhub.domains"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    events: EventBus
    jobs: JobRegistry
    job_queue: JobQueue
    read_engine: Engine | None = None
    scheduler: Scheduler | None = None
    #: A `redis.Redis` client when `CXHUB_REDIS_URL` is set (typed loosely: redis is an extra).
    redis: Any = None
    closed: bool = field(default=False)

    def rate_limiter(
        self,
        name: str,
        *,
        capacity: int,
        period_seconds: float,
        clock: Callable[[], float] | None = None,
    ) -> Limiter:
        """A limiter for one public endpoint: in this process, or shared through Redis when
        `CXHUB_RATE_LIMIT_BACKEND=redis` (then `clock` must be Unix time, the default)."""
        if self.settings.rate_limit_backend == "redis":
            from cxhub.core.ratelimit_redis import RedisRateLimiter

            return RedisRateLimiter(
                self.redis,
                name=name,
                key_prefix=self.settings.redis_key_prefix,
                capacity=capacity,
                period_seconds=period_seconds,
                clock=clock or time.time,
            )
        return RateLimiter(
            capacity=capacity, period_seconds=period_seconds, clock=clock or time.monotonic
        )

    def read_session(self) -> Session:
        """A session for read-only work; on SQLite it never waits for the write lock."""
        return self.session_factory(bind=self.read_engine or reader_bind(self.engine))

    @contextmanager
    def reading(self, info: dict[str, Any]) -> Iterator[Session]:
        """A read-only session with `info` (the workspace), closed afterwards: what a writer
        reads before it begins writing, so SQLite's write lock is not held meanwhile
        (ADR 0035)."""
        session = self.read_session()
        session.info.update(info)
        try:
            yield session
        finally:
            session.close()

    def close(self) -> None:
        if not self.closed:
            if self.scheduler is not None:
                self.scheduler.stop()
            self.job_queue.shutdown()
            if self.redis is not None:
                self.redis.close()
            self.engine.dispose()
            if self.engine.dialect.name == "sqlite":  # last: its close removes the log
                arguments, _ = self.engine.dialect.create_connect_args(self.engine.url)
                stop_checkpointer(str(arguments[0]))
            self.closed = True


def build_runtime(settings: Settings) -> Runtime:
    if settings.redis_url:  # every Redis backend needs it (checked by Settings)
        require_redis_extra()
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine)
    events = EventBus()
    events.attach(factory)
    registry = JobRegistry()
    job_queue = build_job_queue(settings, registry, factory)
    attach_job_outbox(factory, job_queue)
    runtime = Runtime(settings, engine, factory, events, registry, job_queue, reader_bind(engine))
    lease = None
    if settings.redis_url:
        from cxhub.core.redis_coordination import RedisSlotLease, connect_redis

        runtime.redis = connect_redis(settings.redis_url)
        lease = RedisSlotLease(runtime.redis, settings.redis_key_prefix)
    runtime.scheduler = Scheduler(factory, job_queue, lease=lease)
    install_maintenance(runtime)
    install_domains(runtime)
    return runtime


def require_redis_extra() -> None:
    """Say which package is missing instead of failing on an import deep in a traceback."""
    try:
        import dramatiq  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            f"CXHUB_REDIS_URL / CXHUB_JOBS_BACKEND=redis need the redis extra ({exc.name} is "
            "missing): pip install 'cxhub[redis]'"
        ) from None


def build_job_queue(
    settings: Settings, registry: JobRegistry, factory: sessionmaker[Session]
) -> JobQueue:
    if settings.jobs_backend == "sync":
        return SyncJobQueue(registry, factory)
    if settings.jobs_backend == "redis":
        from cxhub.core.redis_jobs import RedisJobQueue

        assert settings.redis_url is not None  # checked by Settings
        return RedisJobQueue(
            registry,
            factory,
            redis_url=settings.redis_url,
            key_prefix=settings.redis_key_prefix,
            dead_worker_seconds=settings.jobs_dead_worker_seconds,
        )
    return InProcessJobQueue(registry, factory, grace_seconds=settings.shutdown_grace_seconds)


def install_domains(runtime: Runtime) -> None:
    """Let every installed domain register its jobs, event subscribers and periodic tasks."""
    for entry in sorted(entry_points(group=INSTALLER_GROUP), key=lambda e: e.name):
        installer = entry.load()
        installer(runtime)
        log.debug("installed domain %s", entry.name)
