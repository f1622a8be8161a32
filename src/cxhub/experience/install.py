"""The experience domain's installer (entry point `cxhub.domains: experience`): registers jobs
and event subscribers on a runtime."""

from __future__ import annotations

from cxhub.core.runtime import Runtime
from cxhub.experience.connected import tasks as connected_tasks
from cxhub.experience.text import tasks as text_tasks


def install(runtime: Runtime) -> None:
    text_tasks.install(runtime)
    connected_tasks.install(runtime)
