"""The experience domain's installer (entry point `cxhub.domains: experience`): registers jobs
and event subscribers on a runtime."""

from __future__ import annotations

from cxhub.core.runtime import Runtime
from cxhub.experience.connected import tasks as connected_tasks
from cxhub.experience.journeys import tasks as journey_tasks
from cxhub.experience.surveys import tasks as survey_tasks
from cxhub.experience.text import tasks as text_tasks
from cxhub.experience.topics import tasks as topic_tasks
from cxhub.experience.touchpoints import tasks as touchpoint_tasks


def install(runtime: Runtime) -> None:
    text_tasks.install(runtime)
    survey_tasks.install(runtime)
    journey_tasks.install(runtime)
    touchpoint_tasks.install(runtime)
    topic_tasks.install(runtime)
    connected_tasks.install(runtime)
