"""The success domain's installer (entry point `cxhub.domains: success`): registers jobs,
event subscribers and periodic tasks on a runtime."""

from __future__ import annotations

from cxhub.core.runtime import Runtime
from cxhub.success.expansion import tasks as expansion_tasks
from cxhub.success.health import tasks as health_tasks
from cxhub.success.playbooks import tasks as playbook_tasks
from cxhub.success.usage import tasks as usage_tasks


def install(runtime: Runtime) -> None:
    usage_tasks.install(runtime)
    health_tasks.install(runtime)
    playbook_tasks.install(runtime)
    expansion_tasks.install(runtime)
