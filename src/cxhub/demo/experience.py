"""The demo's experience layer as plain records: survey answers of the last 90 days, the journey
stage entries behind the funnel, and which generated touchpoints also belong in the touchpoints
table (calls, meetings, mentions). A pure function of the seed and the data set, like the rest of
the generator, so two seeds of the same day agree exactly (docs/demo.md).

Answers follow each account's mood (the same `Lifecycle.mood` that colours its messages), so
unhappy accounts give detractors and low CSAT, and the comment's tone follows the score.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxhub.demo.dataset import DemoDataset
from cxhub.demo.records import (
    JOURNEY_STAGES,
    YEAR,
    AccountRecord,
    ContactRecord,
    whole_second,
)
from cxhub.demo.touchpoints import FEATURES

#: Salt for this layer's own random stream: adding it leaves every earlier choice unchanged.
SALT = 0x5EED_CE
WINDOW = timedelta(days=90)
RESPONSE_SHARE = 0.62  # answered invitations of the sends (the rest stay unanswered)
COMMENT_SHARE = 0.6
CLOSED_FOLLOWUP_SHARE = 0.55  # of follow-ups older than two weeks


@dataclass(frozen=True)
class DemoSurvey:
    """A survey the demo defines: name, kind, languages (the first is the default), where it is
    answered (distribution channel, touchpoint label), its trigger and how many answers it has."""

    key: str
    name: str
    kind: str
    languages: tuple[str, ...]
    channel: str
    touchpoint: str
    trigger: dict[str, object]
    answers: int


SURVEYS: tuple[DemoSurvey, ...] = (
    DemoSurvey(
        "nps", "Relationship NPS", "nps", ("en", "it"), "email", "quarterly_relationship",
        {"type": "manual", "channel": "email"}, 190,
    ),
    DemoSurvey(
        "csat", "Support CSAT", "csat", ("en", "it", "zh", "id"), "email", "ticket_solved",
        {"type": "ticket_solved", "channel": "email"}, 110,
    ),
    DemoSurvey(
        "ces", "Onboarding effort (CES)", "ces", ("en", "id"), "in_product", "onboarding",
        {"type": "interaction", "interaction_kind": "onboarding.completed", "channel": "email"}, 60,
    ),
)  # fmt: skip

#: Survey comments by language and tone; `{feature}` is one of the product's features.
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "pos": ("{feature} changed how we plan releases. The team loves it.", "Support answered within the hour and fixed it. Great service.", "Onboarding was smooth and the docs are clear."),
        "neu": ("Good product, but the pricing gets steep as we add seats.", "Does the job. Exports could be faster.", "Fine overall; setting up {feature} took a while."),
        "neg": ("{feature} keeps timing out on our large projects and nobody follows up.", "We were billed twice and it took a week to get a refund.", "Too hard to set up. We needed three calls just to connect the warehouse."),
    },
    "it": {
        "pos": ("{feature} ha cambiato il modo in cui pianifichiamo i rilasci.", "Il supporto ha risposto in un'ora e ha risolto tutto. Ottimo servizio."),
        "neu": ("Buon prodotto, ma il prezzo cresce molto con le licenze.", "Fa il suo lavoro; le esportazioni potrebbero essere più veloci."),
        "neg": ("{feature} va in timeout sui progetti grandi e nessuno ci ricontatta.", "Ci avete addebitato due volte e il rimborso ha richiesto una settimana."),
    },
    "zh": {
        "pos": ("{feature}改变了我们规划发布的方式，团队很喜欢。", "客服一小时内就回复并解决了问题。"),
        "neu": ("产品不错，但席位多了价格偏高。", "基本满意，导出速度可以再快一些。"),
        "neg": ("{feature}在大项目上经常超时，也没人跟进。", "被重复扣费，退款花了一周时间。"),
    },
    "id": {
        "pos": ("{feature} mengubah cara kami merencanakan rilis.", "Tim support menjawab dalam satu jam dan masalahnya beres."),
        "neu": ("Produknya bagus, tapi harganya naik tajam saat menambah seat.", "Cukup baik; ekspor bisa lebih cepat."),
        "neg": ("{feature} sering timeout di proyek besar dan tidak ada yang menindaklanjuti.", "Kami ditagih dua kali dan refund butuh seminggu."),
    },
}  # fmt: skip


@dataclass(frozen=True)
class ResponseRecord:
    """One answered (or, with `score` None, unanswered) invitation of a demo survey."""

    survey_key: str
    contact_index: int
    account_external_id: str
    sent_at: datetime
    responded_at: datetime | None
    score: int | None
    comment: str | None
    language: str
    journey_stage: str
    segment: str
    plan: str | None
    followup: str  # none | open | closed
    followup_reason: str | None


@dataclass(frozen=True)
class StageEntryRecord:
    contact_index: int
    account_external_id: str | None
    stage_key: str
    position: int
    entered_at: datetime


@dataclass(frozen=True)
class ExperienceDataset:
    responses: list[ResponseRecord]
    stage_entries: list[StageEntryRecord]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _score(rng: random.Random, kind: str, mood: float) -> int:
    """A headline answer leaning with the account's mood (-1..1)."""
    if kind == "nps":
        return _clamp(7.4 + 3.2 * mood + rng.gauss(0, 1.7), 0, 10)
    if kind == "csat":
        return _clamp(3.9 + 1.3 * mood + rng.gauss(0, 0.9), 1, 5)
    return _clamp(5.0 + 1.6 * mood + rng.gauss(0, 1.1), 1, 7)


def unhappy(kind: str, score: int) -> str | None:
    """The follow-up reasons of `surveys.standard.unhappy_reason`, restated for the generator
    (which imports no domain): NPS 0–6, CSAT 1–2, CES 1–3."""
    limits = {"nps": (6, "detractor"), "csat": (2, "dissatisfied"), "ces": (3, "high_effort")}
    limit, reason = limits[kind]
    return reason if score <= limit else None


def _tone(kind: str, score: int) -> str:
    high = {"nps": 9, "csat": 4, "ces": 6}[kind]
    return "pos" if score >= high else "neg" if unhappy(kind, score) else "neu"


def _respondents(dataset: DemoDataset) -> list[tuple[ContactRecord, AccountRecord]]:
    """Contacts of paying accounts, the people a B2B vendor surveys (consumers are not asked)."""
    accounts = {a.external_id: a for a in dataset.accounts}
    chosen = []
    for contact in dataset.contacts:
        account = accounts.get(contact.account_external_id or "")
        if account is None or account.lifecycle.status != "customer":
            continue
        if contact.persona in ("champion", "buyer", "user"):
            chosen.append((contact, account))
    return chosen


def _responses(rng: random.Random, dataset: DemoDataset) -> list[ResponseRecord]:
    now = dataset.now
    people = _respondents(dataset)
    records: list[ResponseRecord] = []
    for survey in SURVEYS:
        sends = round(survey.answers / RESPONSE_SHARE)
        answered = set(rng.sample(range(sends), survey.answers))
        for n in range(sends):
            contact, account = rng.choice(people)
            start = max(now - WINDOW, contact.created_at, account.lifecycle.started_at)
            if start >= now - timedelta(days=1):
                continue
            sent_at = whole_second(start + (now - timedelta(days=1) - start) * rng.random())
            primary = contact.locale.split("-")[0]
            language = primary if primary in survey.languages else survey.languages[0]
            stage = account.lifecycle.stage_at(sent_at)
            plan = account.custom_attributes.get("plan")
            common = {
                "survey_key": survey.key,
                "contact_index": contact.index,
                "account_external_id": account.external_id,
                "sent_at": sent_at,
                "language": language,
                "journey_stage": stage,
                "segment": account.tier,
                "plan": None if plan is None else str(plan),
            }
            if n not in answered:
                records.append(
                    ResponseRecord(
                        **common,  # type: ignore[arg-type]
                        responded_at=None,
                        score=None,
                        comment=None,
                        followup="none",
                        followup_reason=None,
                    )
                )
                continue
            responded_at = min(sent_at + timedelta(minutes=rng.randint(3, 60 * 30)), now)
            score = _score(rng, survey.kind, account.lifecycle.mood)
            comment = None
            if rng.random() < COMMENT_SHARE:
                lines = COMMENTS[language][_tone(survey.kind, score)]
                comment = rng.choice(lines).format(feature=rng.choice(FEATURES))
            reason = unhappy(survey.kind, score)
            followup = "none"
            if reason is not None:
                old = now - responded_at > timedelta(days=14)
                followup = "closed" if old and rng.random() < CLOSED_FOLLOWUP_SHARE else "open"
            records.append(
                ResponseRecord(
                    **common,  # type: ignore[arg-type]
                    responded_at=whole_second(responded_at),
                    score=score,
                    comment=comment,
                    followup=followup,
                    followup_reason=reason,
                )
            )
    return records


def _stage_entries(dataset: DemoDataset) -> list[StageEntryRecord]:
    """Each contact's entries into the journey's stages, forward only (as the journey rules move
    customers: a stage further on, never back), at the first touchpoint made in each stage; then,
    where the customer's lifecycle is further on today than its last touchpoint showed (or it
    has no touchpoint at all), one entry into today's stage. So every customer of a paying
    account is past *purchase*, as the journey rules would have put it."""
    positions = {key: n for n, key in enumerate(JOURNEY_STAGES)}
    entries: list[StageEntryRecord] = []
    furthest: dict[int, tuple[int, datetime]] = {}
    for touchpoint in sorted(
        dataset.touchpoints, key=lambda t: (t.contact_index, t.occurred_at, t.kind)
    ):
        position = positions[touchpoint.journey_stage]
        if position <= furthest.get(touchpoint.contact_index, (-1, touchpoint.occurred_at))[0]:
            continue
        furthest[touchpoint.contact_index] = (position, touchpoint.occurred_at)
        entries.append(
            StageEntryRecord(
                touchpoint.contact_index,
                touchpoint.account_external_id,
                touchpoint.journey_stage,
                position,
                touchpoint.occurred_at,
            )
        )
    accounts = {a.external_id: a for a in dataset.accounts}
    for contact in dataset.contacts:
        account = accounts.get(contact.account_external_id or "")
        lifecycle = account.lifecycle if account is not None else contact.lifecycle
        if lifecycle is None:
            continue
        latest = min(dataset.now, lifecycle.active_until(dataset.now)) - timedelta(seconds=1)
        stage = lifecycle.stage_at(latest)
        position, last = furthest.get(contact.index, (-1, contact.created_at))
        if positions[stage] <= position:
            continue
        entered = whole_second(max(last, contact.created_at, dataset.now - YEAR))
        entries.append(
            StageEntryRecord(
                contact.index, contact.account_external_id, stage, positions[stage], entered
            )
        )
    return entries


#: Generated touchpoint kinds that the touchpoints table also holds (its own kind names).
RECORDED_KINDS = {"call": "call", "meeting": "meeting", "social.mention": "mention"}


def build_experience(dataset: DemoDataset, *, seed: int) -> ExperienceDataset:
    """The experience records of `dataset`, from their own random stream (`seed` ^ SALT)."""
    rng = random.Random(seed ^ SALT)
    return ExperienceDataset(_responses(rng, dataset), _stage_entries(dataset))
