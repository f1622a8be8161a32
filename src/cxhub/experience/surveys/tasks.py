"""Survey background work: trigger sends, comment analysis, closing follow-up loops, the daily
renewal check and playbook enrolments. Event handlers only submit jobs; each job runs in its own
unit of work after the commit that caused it."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.events import ContactsMerged
from cxhub.customers.timeline.events import InteractionRecorded
from cxhub.experience.surveys import erasure, followups, responses, triggers
from cxhub.service.tickets.events import TicketSolved
from cxhub.success.playbooks.events import SurveyEnrolmentRequested
from cxhub.success.tasks.events import TaskCancelled, TaskCompleted

ON_TICKET_SOLVED = "surveys.ticket_solved"
ON_INTERACTION = "surveys.interaction"
RENEWALS_DUE = "surveys.renewals_due"
ENROLMENTS = "surveys.enrolments"
CLOSE_LOOP = "surveys.close_loop"
MERGE_CLOCKS = "surveys.merge_clocks"
#: How long the per-workspace set of trigger kinds is trusted before a job re-reads it.
KIND_CACHE_SECONDS = 60.0
OWN_KINDS = frozenset({"survey.responded", "task.created", "task.completed"})


class TriggerKinds:
    """Which timeline kinds trigger a survey, per workspace, so the `interaction.recorded`
    handler submits a job only for touchpoints that may need one (an unknown or stale workspace
    is always submitted; the job refreshes the entry)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kinds: dict[int, tuple[float, frozenset[str]]] = {}

    def may_trigger(self, workspace_id: int, kind: str) -> bool:
        with self._lock:
            entry = self._kinds.get(workspace_id)
        if entry is None or entry[0] < time.monotonic():
            return True
        return kind in entry[1]

    def remember(self, workspace_id: int, kinds: set[str]) -> None:
        with self._lock:
            self._kinds[workspace_id] = (time.monotonic() + KIND_CACHE_SECONDS, frozenset(kinds))

    def forget(self, workspace_id: int) -> None:
        with self._lock:
            self._kinds.pop(workspace_id, None)


TRIGGER_KINDS = TriggerKinds()


def install(runtime: Runtime) -> None:
    public_url = runtime.settings.public_url

    def submit(name: str, workspace_id: int, payload: dict[str, Any]) -> None:
        runtime.job_queue.submit(JobRequest(name, workspace_id, payload))

    def run_ticket_solved(session: Session, payload: dict[str, Any]) -> None:
        triggers.on_ticket_solved(
            session, ticket_id=int(payload["ticket_id"]), public_url=public_url
        )
        followups.close_followups_of(session, ticket_id=int(payload["ticket_id"]))

    runtime.jobs.register(ON_TICKET_SOLVED)(run_ticket_solved)
    runtime.events.subscribe(
        TicketSolved,
        lambda e: submit(ON_TICKET_SOLVED, e.workspace_id, {"ticket_id": e.ticket_id}),
    )

    def run_interaction(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = int(session.info["workspace_id"])
        TRIGGER_KINDS.remember(workspace_id, triggers.interaction_trigger_kinds(session))
        triggers.on_interaction(
            session,
            interaction_id=int(payload["interaction_id"]),
            contact_id=int(payload["contact_id"]),
            kind=str(payload["kind"]),
            public_url=public_url,
        )

    runtime.jobs.register(ON_INTERACTION)(run_interaction)

    def on_interaction(event: InteractionRecorded) -> None:
        if event.contact_id is None or event.kind in OWN_KINDS:
            return
        if TRIGGER_KINDS.may_trigger(event.workspace_id, event.kind):
            submit(
                ON_INTERACTION,
                event.workspace_id,
                {
                    "interaction_id": event.interaction_id,
                    "contact_id": event.contact_id,
                    "kind": event.kind,
                },
            )

    runtime.events.subscribe(InteractionRecorded, on_interaction)

    def run_analyse_comment(session: Session, payload: dict[str, Any]) -> None:
        responses.analyse_comment(session, response_id=int(payload["response_id"]))

    runtime.jobs.register(responses.ANALYSE_COMMENT)(run_analyse_comment)

    def run_close_loop(session: Session, payload: dict[str, Any]) -> None:
        followups.close_followups_of(session, task_id=int(payload["task_id"]))

    runtime.jobs.register(CLOSE_LOOP)(run_close_loop)

    def on_task_done(event: TaskCompleted | TaskCancelled) -> None:
        submit(CLOSE_LOOP, event.workspace_id, {"task_id": event.task_id})

    runtime.events.subscribe(TaskCompleted, on_task_done)
    runtime.events.subscribe(TaskCancelled, on_task_done)

    def run_merge_clocks(session: Session, payload: dict[str, Any]) -> None:
        erasure.merge_clocks(
            session, winner_id=int(payload["winner_id"]), loser_id=int(payload["loser_id"])
        )

    runtime.jobs.register(MERGE_CLOCKS)(run_merge_clocks)
    runtime.events.subscribe(
        ContactsMerged,
        lambda e: submit(
            MERGE_CLOCKS, e.workspace_id, {"winner_id": e.winner_id, "loser_id": e.loser_id}
        ),
    )

    def run_renewals(session: Session, payload: dict[str, Any]) -> None:
        at = payload.get("at")
        now = datetime.fromisoformat(at) if isinstance(at, str) else None
        triggers.renewals_due(session, now=now, public_url=public_url)

    runtime.jobs.register(RENEWALS_DUE)(run_renewals)
    if runtime.scheduler is not None:
        runtime.scheduler.every(24 * 3600, RENEWALS_DUE)

    def run_enrolments(session: Session, payload: dict[str, Any]) -> None:
        triggers.process_enrolments(session, public_url=public_url)

    runtime.jobs.register(ENROLMENTS)(run_enrolments)
    runtime.events.subscribe(
        SurveyEnrolmentRequested, lambda e: submit(ENROLMENTS, e.workspace_id, {})
    )
