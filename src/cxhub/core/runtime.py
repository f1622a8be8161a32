"""The objects one running cxhub needs, built from settings (never at import time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points

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
from cxhub.core.scheduler import Scheduler
from cxhub.core.settings import Settings

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
    closed: bool = field(default=False)

    def read_session(self) -> Session:
        """A session for read-only work; on SQLite it never waits for the write lock."""
        return self.session_factory(bind=self.read_engine or reader_bind(self.engine))

    def close(self) -> None:
        if not self.closed:
            if self.scheduler is not None:
                self.scheduler.stop()
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
        else InProcessJobQueue(registry, factory, grace_seconds=settings.shutdown_grace_seconds)
    )
    attach_job_outbox(factory, job_queue)
    runtime = Runtime(settings, engine, factory, events, registry, job_queue, reader_bind(engine))
    runtime.scheduler = Scheduler(factory, job_queue)
    install_maintenance(runtime)
    install_domains(runtime)
    return runtime


def install_domains(runtime: Runtime) -> None:
    """Let every installed domain register its jobs, event subscribers and periodic tasks."""
    for entry in sorted(entry_points(group=INSTALLER_GROUP), key=lambda e: e.name):
        installer = entry.load()
        installer(runtime)
        log.debug("installed domain %s", entry.name)
