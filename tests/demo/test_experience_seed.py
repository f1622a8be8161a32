"""The demo's experience layer: surveys with answers, follow-ups, touchpoints, a journey with a
meaningful funnel and discovered topics, visible through the same API the pages read."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.runtime import Runtime
from cxhub.demo.dataset import build_dataset
from cxhub.demo.experience import SURVEYS, build_experience
from cxhub.demo.records import JOURNEY_STAGES
from cxhub.demo.seed import DemoCredentials
from cxhub.experience.connected.models import NpsAnswer
from cxhub.experience.journeys.models import Journey, JourneyStageEntry
from cxhub.experience.journeys.rules import DEFAULT_STAGES
from cxhub.experience.surveys.models import Survey, SurveyResponse
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.experience.topics.models import Topic, TopicAssignment
from cxhub.experience.touchpoints.models import Touchpoint
from cxhub.service.tickets.models import AuthorKind, TicketMessage
from cxhub.success.tasks.models import CsmTask
from tests.demo.test_seed import NOW, REFERENCE, SEED, TICKETS, _session, demo  # noqa: F401
from tests.web.conftest import form_token

PERIOD = {
    "since": (REFERENCE - timedelta(days=90)).isoformat(),
    "until": REFERENCE.isoformat(),
}


def _headers(demo: DemoCredentials) -> dict[str, str]:  # noqa: F811
    return {"Authorization": f"Bearer {demo.token}"}


def test_generation_is_deterministic_and_inside_the_window() -> None:
    dataset = build_dataset(seed=SEED, now=REFERENCE, tickets=TICKETS)
    first = build_experience(dataset, seed=SEED)
    assert first == build_experience(dataset, seed=SEED)
    assert first != build_experience(dataset, seed=SEED + 1)
    answered = [r for r in first.responses if r.responded_at is not None]
    assert 300 <= len(answered) <= 400
    assert all(REFERENCE - timedelta(days=90) <= r.sent_at < REFERENCE for r in first.responses)
    assert all(r.responded_at <= REFERENCE for r in answered if r.responded_at)
    assert {r.language for r in answered} >= {"en", "it"}
    assert [s["key"] for s in DEFAULT_STAGES] == list(JOURNEY_STAGES)


def test_surveys_answers_and_followups_are_seeded(
    runtime: Runtime,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    with _session(runtime, demo) as session:
        kinds = Counter(session.scalars(select(Survey.kind)))
        assert kinds == Counter(s.kind for s in SURVEYS)
        assert all(len(langs) >= 2 for langs in session.scalars(select(Survey.languages)))
        responses = list(session.scalars(select(SurveyResponse)))
        assert Counter(r.kind for r in responses) == Counter({s.kind: s.answers for s in SURVEYS})
        assert sum(1 for r in responses if r.comment) > 100
        assert all(r.responded_at <= REFERENCE for r in responses)
        detractors = [r for r in responses if r.kind == "nps" and (r.score or 0) <= 6]
        assert detractors
        assert all(r.followup_status in ("open", "closed") for r in detractors)
        tasks = {
            t.id: t for t in session.scalars(select(CsmTask).where(CsmTask.source == "survey"))
        }
        assert {r.followup_task_id for r in detractors} <= set(tasks)
        for response in detractors:
            task = tasks[response.followup_task_id or 0]
            assert task.due_on == (response.responded_at + timedelta(days=2)).date()
            assert (task.status == "done") == (response.followup_status == "closed")
        # the touchpoint job's and the NPS job's rows, one per answer
        survey_touchpoints = Counter(
            session.scalars(select(Touchpoint.kind).where(Touchpoint.kind.like("survey_%")))
        )
        assert survey_touchpoints == Counter(f"survey_{r.kind}" for r in responses)
        nps_rows = session.scalar(select(func.count()).select_from(NpsAnswer))
        assert nps_rows == sum(1 for r in responses if r.kind == "nps")
        recorded = set(session.scalars(select(Touchpoint.kind).distinct()))
        assert {"call", "meeting", "mention"} <= recorded


def test_the_survey_and_experience_metrics_are_not_empty(
    client: TestClient,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    surveys = client.get("/api/v1/metrics/surveys", params=PERIOD, headers=_headers(demo))
    assert surveys.status_code == 200, surveys.text
    body = surveys.json()
    assert set(body["metrics"]) == {"nps", "csat", "ces"}
    assert body["metrics"]["nps"]["responses"] == 190
    assert -100 < body["metrics"]["nps"]["score"] < 100
    assert 0 < body["response_rate"] < 1
    assert body["followups_open"] > 0
    experience = client.get("/api/v1/metrics/experience", params=PERIOD, headers=_headers(demo))
    assert experience.status_code == 200, experience.text
    weekly = experience.json()["nps_weekly"]
    assert len(weekly) >= 12
    assert sum(w["responses"] for w in weekly) == 190  # each survey answer counted once
    # The customer messages were analysed, as the per-message job would have done.
    channels = experience.json()["sentiment_by_channel"]
    assert len(channels) >= 2
    assert all(c["texts"] == c["positive"] + c["neutral"] + c["negative"] for c in channels)
    assert sum(c["negative"] for c in channels) > 0
    assert sum(c["positive"] for c in channels) > 0
    assert experience.json()["top_negative_topics"]


def test_every_customer_message_has_one_stored_analysis(
    runtime: Runtime,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    with _session(runtime, demo) as session:
        customer_messages = set(
            session.scalars(
                select(TicketMessage.id).where(
                    TicketMessage.author_kind == AuthorKind.CUSTOMER, TicketMessage.body_text != ""
                )
            )
        )
        analysed = list(
            session.execute(
                select(TextAnalysisRecord.source_id, TextAnalysisRecord.language).where(
                    TextAnalysisRecord.source_type == SOURCE_TICKET_MESSAGE
                )
            )
        )
    assert customer_messages
    assert {source_id for source_id, _ in analysed} == customer_messages
    assert len(analysed) == len(customer_messages)
    assert len({language for _, language in analysed}) >= 2


def test_the_journey_funnel_and_topics_are_meaningful(
    runtime: Runtime,
    client: TestClient,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    with _session(runtime, demo) as session:
        journey_id = session.scalar(select(Journey.id))
        entries = session.scalar(select(func.count()).select_from(JourneyStageEntry))
        topics = session.scalar(select(func.count()).select_from(Topic))
        assigned = session.scalar(select(func.count()).select_from(TopicAssignment))
    assert entries is not None
    assert entries > 1_000
    assert topics
    assert assigned
    answer = client.get(
        f"/api/v1/journeys/{journey_id}/analytics",
        params={**PERIOD, "parts": ["funnel", "scores"]},
        headers=_headers(demo),
    )
    assert answer.status_code == 200, answer.text
    funnel = answer.json()["funnel"]
    reached = [stage["reached"] for stage in funnel]
    assert len(reached) == len(JOURNEY_STAGES)
    assert reached[0] > reached[-1] > 0
    assert reached == sorted(reached, reverse=True)
    listed = client.get("/api/v1/topics", headers=_headers(demo))
    assert listed.status_code == 200
    assert listed.json()


def test_the_experience_pages_show_the_seeded_data(
    client: TestClient,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    client.cookies.clear()
    form = client.get("/login")
    signed_in = client.post(
        "/login",
        data={"email": demo.email, "password": demo.password, "csrf_token": form_token(form.text)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    first = (REFERENCE - timedelta(days=90)).date().isoformat()
    last = (REFERENCE - timedelta(days=1)).date().isoformat()
    page = client.get("/experience", params={"period": "custom", "from": first, "to": last})
    client.cookies.clear()
    assert page.status_code == 200, page.text
    assert "cx-survey-nps" in page.text
    assert "cx-journey-funnel" in page.text  # drawn only when a journey exists
    assert "cx-nps-trend" in page.text
    # the survey cuts have rows (an empty period shows "No data in this period." instead)
    assert '<tr data-key="enterprise">' in page.text
    assert '<tr data-key="quarterly_relationship">' in page.text
