"""Keeps every `NpsResponseRecorded` answer as a row (job `experience.record_nps_answer`,
submitted after the commit that published the event), so NPS can be trended and detractors
called. A survey answer about an account arrives here too: the trend counts it once
(`analytics.survey_kpis.nps_answers`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.experience.connected.service import record_nps_answer
from cxhub.success.playbooks.events import NpsResponseRecorded

RECORD_NPS_ANSWER = "experience.record_nps_answer"


def install(runtime: Runtime) -> None:
    def run_record(session: Session, payload: dict[str, Any]) -> None:
        record_nps_answer(
            session,
            account_id=int(payload["account_id"]),
            contact_id=None if payload.get("contact_id") is None else int(payload["contact_id"]),
            score=int(payload["score"]),
            responded_at=datetime.fromisoformat(str(payload["responded_at"])),
        )

    runtime.jobs.register(RECORD_NPS_ANSWER)(run_record)

    def on_answer(event: NpsResponseRecorded) -> None:
        runtime.job_queue.submit(
            JobRequest(
                RECORD_NPS_ANSWER,
                event.workspace_id,
                {
                    "account_id": event.account_id,
                    "contact_id": event.contact_id,
                    "score": event.score,
                    "responded_at": event.responded_at.isoformat(),
                },
            )
        )

    runtime.events.subscribe(NpsResponseRecorded, on_answer)
