"""The service domain's installer (entry point `cxhub.domains: service`): registers jobs,
periodic tasks and event subscribers on a runtime."""

from __future__ import annotations

from cxhub.core.runtime import Runtime
from cxhub.service.automations import tasks as automation_tasks
from cxhub.service.csat import tasks as csat_tasks
from cxhub.service.mail import tasks as mail_tasks
from cxhub.service.portal import tasks as portal_tasks
from cxhub.service.sla import tasks as sla_tasks


def install(runtime: Runtime) -> None:
    sla_tasks.install(runtime)
    csat_tasks.install(runtime)
    automation_tasks.install(runtime)
    mail_tasks.install(runtime)
    portal_tasks.install(runtime)
