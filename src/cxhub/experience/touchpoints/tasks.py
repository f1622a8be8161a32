"""Survey answers become touchpoints: each recorded response (event
`experience.survey_response_recorded`) is stored once as a `survey_<kind>` touchpoint, so the
journey rules see it (an NPS promoter reaches *advocacy*) and journey analytics count NPS per
stage and per channel. The survey already put the answer on the timeline, so this touchpoint
does not add a second entry. It runs as a job after the survey's commit (ADR 0003); the
response id is the external id, so a retried job stores nothing twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.customers.timeline.models import Channel
from cxhub.experience.surveys.events import SurveyResponseRecorded
from cxhub.experience.touchpoints.service import Recorded, record_touchpoint

RECORD_SURVEY_RESPONSE = "touchpoints.record_survey_response"

#: Survey distribution channel -> the channel the customer used.
SURVEY_CHANNELS = {"email": Channel.EMAIL, "portal": Channel.WEB, "in_product": Channel.IN_APP}


def record_survey_response(
    session: Session, *, workspace_id: int, event: SurveyResponseRecorded
) -> Recorded:
    """The touchpoint of one survey answer; `score` holds the answer only for NPS (the
    touchpoint score is on the NPS scale), CSAT and CES answers stay in `details`."""
    return record_touchpoint(
        session,
        workspace_id=workspace_id,
        contact_id=event.contact_id,
        account_id=event.account_id,
        channel=SURVEY_CHANNELS.get(event.channel, Channel.OTHER).value,
        kind=f"survey_{event.kind}",
        occurred_at=event.responded_at,
        score=event.score if event.kind == "nps" else None,
        details={
            "survey_id": event.survey_id,
            "survey_kind": event.kind,
            "survey_score": event.score,
            "survey_channel": event.channel,
            "touchpoint": event.touchpoint,
            "journey_stage": event.journey_stage,
        },
        source_type="survey_response",
        source_id=str(event.response_id),
        external_id=f"survey-response:{event.response_id}",
        on_timeline=False,
    )


def install(runtime: Runtime) -> None:
    def run(session: Session, payload: dict[str, Any]) -> None:
        record_survey_response(
            session,
            workspace_id=int(session.info["workspace_id"]),
            event=SurveyResponseRecorded.model_validate(payload),
        )

    runtime.jobs.register(RECORD_SURVEY_RESPONSE)(run)

    def on_response(event: SurveyResponseRecorded) -> None:
        runtime.job_queue.submit(
            JobRequest(RECORD_SURVEY_RESPONSE, event.workspace_id, event.model_dump(mode="json"))
        )

    runtime.events.subscribe(SurveyResponseRecorded, on_response)
