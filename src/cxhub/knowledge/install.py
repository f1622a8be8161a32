"""The knowledge domain's installer (entry point `cxhub.domains: knowledge`): registers its
jobs and periodic tasks on a runtime."""

from __future__ import annotations

from cxhub.core.runtime import Runtime
from cxhub.knowledge.articles import tasks as article_tasks
from cxhub.knowledge.assist import tasks as assist_tasks
from cxhub.knowledge.helpcenter import tasks as helpcenter_tasks
from cxhub.knowledge.search import tasks as search_tasks


def install(runtime: Runtime) -> None:
    article_tasks.install(runtime)
    search_tasks.install(runtime)
    assist_tasks.install(runtime)
    helpcenter_tasks.install(runtime)
