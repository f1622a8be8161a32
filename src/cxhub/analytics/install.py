"""The analytics domain's installer (entry point `cxhub.domains: analytics`): the service KPI
rollups' dirty-day marking on every session, their job and its schedule."""

from __future__ import annotations

from cxhub.analytics.service_rollups import tasks as service_rollup_tasks
from cxhub.core.runtime import Runtime


def install(runtime: Runtime) -> None:
    service_rollup_tasks.install(runtime)
