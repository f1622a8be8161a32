"""Write the demo's experience layer: surveys, their invitations and answers (with follow-up
tasks for unhappy answers), the touchpoints table, NPS answers, a customer journey with its stage
entries, and topics discovered in the ticket texts.

Survey definitions and the journey go through their services (a handful of rows, validated like
any other). Answers and everything that follows an answer are written directly, in batches, the
way `writer` writes the rest of the demo: recording them through `record_response` would date
follow-up tickets and tasks "now", enqueue a comment analysis per answer and publish events whose
jobs would run after the demo's commit. What those paths would have stored is stored here
explicitly, at the answer's own time: the timeline entry, the `survey_<kind>` touchpoint (as the
touchpoint job writes it), the NPS answer row (as the connected-experience job writes it) and the
follow-up task due two days after the answer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.demo.dataset import DemoDataset
from cxhub.demo.demo_topics import discover_demo_topics
from cxhub.demo.experience import (
    RECORDED_KINDS,
    SURVEYS,
    WINDOW,
    ExperienceDataset,
    ResponseRecord,
    build_experience,
)
from cxhub.demo.writer import chunks, insert_with_ids, table_of
from cxhub.experience.connected.models import NpsAnswer
from cxhub.experience.journeys.models import JourneyStageEntry
from cxhub.experience.journeys.schemas import JourneyIn
from cxhub.experience.journeys.service import create_journey, stage_keys
from cxhub.experience.surveys.definitions import create_survey
from cxhub.experience.surveys.models import SurveyContactClock, SurveyInvitation, SurveyResponse
from cxhub.experience.surveys.schemas import SurveyWrite
from cxhub.experience.touchpoints.models import Touchpoint
from cxhub.success.tasks.models import CsmTask, TaskSource, TaskStatus

JOURNEY_NAME = "Customer journey"
SENTIMENT_OF_TONE = {"pos": ("positive", 0.6), "neu": ("neutral", 0.0), "neg": ("negative", -0.6)}
TOUCHPOINT_CHANNEL = {"email": "email", "portal": "web", "in_product": "in_app"}


@dataclass(frozen=True)
class ExperienceCounts:
    surveys: int
    invitations: int
    responses: int
    followups: int
    touchpoints: int
    stage_entries: int
    topics: int


@dataclass(frozen=True)
class _Refs:
    workspace_id: int
    contact_ids: list[int]
    account_ids: dict[str, int]
    account_owner: dict[str, int]
    now: datetime


def _sentiment(kind: str, score: int) -> tuple[str, float]:
    high = {"nps": 9, "csat": 4, "ces": 6}[kind]
    low = {"nps": 6, "csat": 2, "ces": 3}[kind]
    tone = "pos" if score >= high else "neg" if score <= low else "neu"
    return SENTIMENT_OF_TONE[tone]


def _scale_sentiment(kind: str, score: int) -> float:
    low, high = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[kind]
    return round(2 * (score - low) / (high - low) - 1, 3)


def _surveys(session: Session, workspace_id: int, admin_id: int) -> dict[str, tuple[int, str]]:
    made = {}
    for spec in SURVEYS:
        survey = create_survey(
            session,
            workspace_id=workspace_id,
            data=SurveyWrite.model_validate(
                {
                    "name": spec.name,
                    "kind": spec.kind,
                    "status": "active",
                    "languages": list(spec.languages),
                    "default_language": spec.languages[0],
                    "trigger": spec.trigger,
                    "channels": [spec.channel],
                }
            ),
            created_by_id=admin_id,
        )
        made[spec.key] = (survey.id, spec.name)
    return made


def _followup_tasks(
    session: Session, refs: _Refs, answered: list[ResponseRecord], names: dict[str, str]
) -> list[int | None]:
    """One CSM task per unhappy answer (done when the follow-up is closed), due two days after
    the answer, as `surveys.followups.open_followup` makes it."""
    rows: list[dict[str, Any]] = []
    slots: list[int] = []
    for n, record in enumerate(answered):
        if record.followup == "none" or record.responded_at is None:
            continue
        kind = next(s.kind for s in SURVEYS if s.key == record.survey_key)
        done = record.followup == "closed"
        notes = f"{kind.upper()} score {record.score}." + (
            f"\n\n{record.comment}" if record.comment else ""
        )
        reason = (record.followup_reason or "").replace("_", " ")
        rows.append(
            {
                "workspace_id": refs.workspace_id,
                "account_id": refs.account_ids[record.account_external_id],
                "contact_id": refs.contact_ids[record.contact_index],
                "title": f"Follow up on {names[record.survey_key]}: {reason}"[:200],
                "notes": notes,
                "owner_id": refs.account_owner[record.account_external_id],
                "due_on": (record.responded_at + timedelta(days=2)).date(),
                "status": TaskStatus.DONE.value if done else TaskStatus.OPEN.value,
                "priority": "normal",
                "source": TaskSource.SURVEY.value,
                "created_at": record.responded_at,
                "updated_at": record.responded_at,
                "completed_at": record.responded_at + timedelta(days=1) if done else None,
                "completed_by_id": refs.account_owner[record.account_external_id] if done else None,
            }
        )
        slots.append(n)
    ids = insert_with_ids(session, table_of(CsmTask), rows)
    task_of: list[int | None] = [None] * len(answered)
    for n, task_id in zip(slots, ids, strict=True):
        task_of[n] = task_id
    return task_of


def _write_surveys(
    session: Session, refs: _Refs, data: ExperienceDataset, admin_id: int
) -> tuple[int, int, int, list[dict[str, Any]]]:
    """Surveys, invitations, answers, follow-ups, timeline entries, NPS answers and the contact
    throttle clocks; returns the counts and the `survey_<kind>` touchpoint rows."""
    surveys = _surveys(session, refs.workspace_id, admin_id)
    spec = {s.key: s for s in SURVEYS}
    invitation_rows: list[dict[str, Any]] = [
        {
            "workspace_id": refs.workspace_id,
            "survey_id": surveys[r.survey_key][0],
            "contact_id": refs.contact_ids[r.contact_index],
            "account_id": refs.account_ids[r.account_external_id],
            "channel": spec[r.survey_key].channel,
            "touchpoint": spec[r.survey_key].touchpoint,
            "journey_stage": r.journey_stage,
            "language": r.language,
            # A token is a secret: random even in the demo, and only its hash is kept.
            "token_sha256": hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
            "status": "pending" if r.responded_at is None else "answered",
            "sent_at": r.sent_at,
            "answered_at": r.responded_at,
        }
        for r in data.responses
    ]
    invitation_ids = insert_with_ids(session, table_of(SurveyInvitation), invitation_rows)
    answered = [
        (r, i)
        for r, i in zip(data.responses, invitation_ids, strict=True)
        if r.responded_at is not None
    ]
    records = [r for r, _ in answered]
    names = {key: name for key, (_, name) in surveys.items()}
    task_ids = _followup_tasks(session, refs, records, names)
    response_rows: list[dict[str, Any]] = []
    for (record, invitation_id), task_id in zip(answered, task_ids, strict=True):
        kind, score = spec[record.survey_key].kind, int(record.score or 0)
        sentiment, sentiment_score = _sentiment(kind, score) if record.comment else (None, None)
        account_external_id = record.account_external_id
        response_rows.append(
            {
                "workspace_id": refs.workspace_id,
                "survey_id": surveys[record.survey_key][0],
                "invitation_id": invitation_id,
                "contact_id": refs.contact_ids[record.contact_index],
                "account_id": refs.account_ids[account_external_id],
                "kind": kind,
                "score": score,
                "answers": {kind: score, **({"comment": record.comment} if record.comment else {})},
                "comment": record.comment,
                "language": record.language,
                "channel": spec[record.survey_key].channel,
                "touchpoint": spec[record.survey_key].touchpoint,
                "journey_stage": record.journey_stage,
                "segment": record.segment,
                "plan": record.plan,
                "responded_at": record.responded_at,
                "sentiment": sentiment,
                "sentiment_score": sentiment_score,
                "followup_status": record.followup,
                "followup_reason": record.followup_reason,
                "followup_owner_id": refs.account_owner[account_external_id]
                if record.followup != "none"
                else None,
                "followup_task_id": task_id,
                "followup_closed_at": record.responded_at + timedelta(days=1)
                if record.followup == "closed" and record.responded_at
                else None,
            }
        )
    response_ids = insert_with_ids(session, table_of(SurveyResponse), response_rows)
    timeline: list[dict[str, Any]] = []
    nps_answers: list[dict[str, Any]] = []
    touchpoints: list[dict[str, Any]] = []
    for row, response_id in zip(response_rows, response_ids, strict=True):
        kind, score, survey_name = row["kind"], row["score"], names[_key_of(row, surveys)]
        channel = TOUCHPOINT_CHANNEL.get(row["channel"], "other")
        summary = f"{survey_name}: {kind.upper()} {score}"
        if row["comment"]:
            summary += f" — {row['comment'][:200]}"
        timeline.append(
            {
                "workspace_id": refs.workspace_id,
                "kind": "survey.responded",
                "channel": Channel(channel),
                "occurred_at": row["responded_at"],
                "contact_id": row["contact_id"],
                "account_id": row["account_id"],
                "journey_stage": row["journey_stage"],
                "summary": summary,
                "payload": {
                    "survey_id": row["survey_id"],
                    "kind": kind,
                    "score": score,
                    "touchpoint": row["touchpoint"],
                },
                "sentiment": _scale_sentiment(kind, score),
                "source_type": "survey_response",
                "source_id": str(response_id),
                "created_at": row["responded_at"],
            }
        )
        touchpoints.append(
            {
                "workspace_id": refs.workspace_id,
                "contact_id": row["contact_id"],
                "account_id": row["account_id"],
                "channel": channel,
                "kind": f"survey_{kind}",
                "occurred_at": row["responded_at"],
                "sentiment": None,
                "score": score if kind == "nps" else None,
                "language": None,
                "text": "",
                "details": {
                    "survey_id": row["survey_id"],
                    "survey_kind": kind,
                    "survey_score": score,
                    "survey_channel": row["channel"],
                    "touchpoint": row["touchpoint"],
                    "journey_stage": row["journey_stage"],
                },
                "source_type": "survey_response",
                "source_id": str(response_id),
                "external_id": f"survey-response:{response_id}",
                "created_at": row["responded_at"],
            }
        )
        if kind == "nps":
            nps_answers.append(
                {
                    "workspace_id": refs.workspace_id,
                    "account_id": row["account_id"],
                    "contact_id": row["contact_id"],
                    "score": score,
                    "responded_at": row["responded_at"],
                }
            )
    session.execute(insert(table_of(Interaction)), timeline)
    session.execute(insert(table_of(NpsAnswer)), nps_answers)
    last_asked: dict[int, datetime] = {}
    for invitation in invitation_rows:
        contact_id = invitation["contact_id"]
        last_asked[contact_id] = max(invitation["sent_at"], last_asked.get(contact_id, refs.now))
    session.execute(
        insert(table_of(SurveyContactClock)),
        [
            {"workspace_id": refs.workspace_id, "contact_id": c, "last_surveyed_at": at}
            for c, at in sorted(last_asked.items())
        ],
    )
    followups = sum(1 for row in response_rows if row["followup_status"] != "none")
    return len(invitation_rows), len(response_rows), followups, touchpoints


def _key_of(row: dict[str, Any], surveys: dict[str, tuple[int, str]]) -> str:
    return next(key for key, (survey_id, _) in surveys.items() if survey_id == row["survey_id"])


def _recorded_touchpoints(refs: _Refs, dataset: DemoDataset) -> list[dict[str, Any]]:
    """Calls, meetings and mentions of the last 90 days in the touchpoints table (their timeline
    entries are already written with the rest of the year)."""
    since = refs.now - WINDOW
    return [
        {
            "workspace_id": refs.workspace_id,
            "contact_id": refs.contact_ids[t.contact_index],
            "account_id": refs.account_ids[t.account_external_id]
            if t.account_external_id
            else None,
            "channel": t.channel,
            "kind": RECORDED_KINDS[t.kind],
            "occurred_at": t.occurred_at,
            "sentiment": t.sentiment,
            "score": None,
            "language": None,
            "text": t.summary,
            "details": dict(t.payload),
            "source_type": None,
            "source_id": None,
            "external_id": None,
            "created_at": t.occurred_at,
        }
        for t in dataset.touchpoints
        if t.kind in RECORDED_KINDS and t.occurred_at >= since
    ]


def _journey(session: Session, refs: _Refs, data: ExperienceDataset) -> int:
    journey = create_journey(
        session,
        workspace_id=refs.workspace_id,
        data=JourneyIn(
            name=JOURNEY_NAME,
            description="From the first visit to advocacy: the seven default stages.",
        ),
    )
    keys = stage_keys(journey)
    rows = [
        {
            "workspace_id": refs.workspace_id,
            "journey_id": journey.id,
            "contact_id": refs.contact_ids[e.contact_index],
            "account_id": refs.account_ids[e.account_external_id]
            if e.account_external_id
            else None,
            "stage_key": e.stage_key,
            "position": keys.index(e.stage_key),
            "entered_at": e.entered_at,
            "cause": "demo",
        }
        for e in data.stage_entries
    ]
    for chunk in chunks(rows):
        session.execute(insert(table_of(JourneyStageEntry)), chunk)
    return len(rows)


def seed_experience(
    session: Session,
    *,
    workspace_id: int,
    dataset: DemoDataset,
    contact_ids: list[int],
    account_ids: dict[str, int],
    owner_ids: dict[str, int],
    admin_id: int,
    seed: int,
) -> ExperienceCounts:
    """Write the experience layer of `dataset` (its records from `build_experience`)."""
    data = build_experience(dataset, seed=seed)
    refs = _Refs(
        workspace_id,
        contact_ids,
        account_ids,
        {a.external_id: owner_ids[a.owner_key] for a in dataset.accounts},
        dataset.now,
    )
    invitations, responses, followups, survey_touchpoints = _write_surveys(
        session, refs, data, admin_id
    )
    touchpoints = survey_touchpoints + _recorded_touchpoints(refs, dataset)
    for chunk in chunks(touchpoints):
        session.execute(insert(table_of(Touchpoint)), chunk)
    entries = _journey(session, refs, data)
    topics = discover_demo_topics(session, workspace_id=workspace_id, now=dataset.now)
    return ExperienceCounts(
        len(SURVEYS), invitations, responses, followups, len(touchpoints), entries, topics
    )
