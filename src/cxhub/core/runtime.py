"""The objects one running cxhub needs, built from settings (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from cxhub.core.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    events: EventBus
    jobs: JobRegistry
    job_queue: JobQueue
    read_engine: Engine | None = None
    closed: bool = field(default=False)

    def read_session(self) -> Session:
        """A session for read-only work; on SQLite it never waits for the write lock."""
        return self.session_factory(bind=self.read_engine or reader_bind(self.engine))

    def close(self) -> None:
        if not self.closed:
            self.job_queue.shutdown()
            self.engine.dispose()
            self.closed = True


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine)
    events = EventBus()
    events.attach(factory)
    registry = JobRegistry()
    job_queue: JobQueue = (
        SyncJobQueue(registry, factory)
        if settings.jobs_backend == "sync"
        else InProcessJobQueue(registry, factory)
    )
    attach_job_outbox(factory, job_queue)
    return Runtime(settings, engine, factory, events, registry, job_queue, reader_bind(engine))
