"""Survey metrics in one place: NPS, CSAT and CES (formulas.py), counts, distributions, response
rate, and the same cut by week, month, survey, channel, touchpoint, journey stage, segment
(account tier) or plan. The API, the survey results page and the CX dashboard all call
`survey_kpis` (the dashboard its several cuts at once, `survey_kpis_cuts`); docs/surveys.md has a worked example of each number.

A response belongs to the period of its `responded_at` (half-open `[since, until)`, UTC); the
response rate divides the invitations of the period that were answered by the invitations sent
in the period (undefined when none were sent). Segment and plan are snapshots taken when the
response was recorded, so a later change of plan does not rewrite past results.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from cxhub.analytics.formulas import ces, ces_easy_percent, csat_percent, nps, nps_groups, ratio
from cxhub.experience.connected.models import NpsAnswer
from cxhub.experience.surveys.models import SurveyInvitation, SurveyResponse

GroupBy = Literal[
    "week",
    "month",
    "survey",
    "channel",
    "touchpoint",
    "journey_stage",
    "segment",
    "plan",
    "language",
]
GROUP_BY: tuple[str, ...] = (
    "week",
    "month",
    "survey",
    "channel",
    "touchpoint",
    "journey_stage",
    "segment",
    "plan",
    "language",
)
SCORED_KINDS = ("nps", "csat", "ces")
SCALE = {"nps": range(0, 11), "csat": range(1, 6), "ces": range(1, 8)}


@dataclass(frozen=True)
class KindMetric:
    """One kind's headline number over a set of responses. `score` is NPS (−100..100), CSAT (%)
    or CES (mean 1–7); `share` is the promoters %, the satisfied % or the easy % (5–7)."""

    kind: str
    responses: int
    score: float | None
    share: float | None
    distribution: dict[int, int]
    groups: dict[str, int] = field(default_factory=dict)


def kind_metric(kind: str, scores: Iterable[int]) -> KindMetric:
    """The metric of `kind` over plain scores: the one definition every caller uses."""
    values = list(scores)
    counts = Counter(values)
    distribution = {point: counts.get(point, 0) for point in SCALE[kind]}
    if kind == "nps":
        groups = nps_groups(values)
        share = None if not values else 100.0 * groups["promoters"] / len(values)
        return KindMetric(kind, len(values), nps(values), share, distribution, groups)
    if kind == "csat":
        value = csat_percent(values)
        return KindMetric(kind, len(values), value, value, distribution)
    return KindMetric(kind, len(values), ces(values), ces_easy_percent(values), distribution)


@dataclass(frozen=True)
class KpiGroup:
    key: str
    metrics: dict[str, KindMetric]
    comments: int


@dataclass(frozen=True)
class SurveyKpis:
    since: datetime
    until: datetime
    metrics: dict[str, KindMetric]
    responses: int
    comments: int
    invitations: int
    answered_invitations: int
    response_rate: float | None
    followups_open: int
    followups_closed: int
    group_by: str | None = None
    groups: list[KpiGroup] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def metric(m: KindMetric) -> dict[str, Any]:
            return {
                "responses": m.responses,
                "score": m.score,
                "share": m.share,
                "distribution": {str(k): v for k, v in m.distribution.items()},
                **({"groups": m.groups} if m.groups else {}),
            }

        return {
            "since": self.since,
            "until": self.until,
            "responses": self.responses,
            "comments": self.comments,
            "invitations": self.invitations,
            "answered_invitations": self.answered_invitations,
            "response_rate": self.response_rate,
            "followups_open": self.followups_open,
            "followups_closed": self.followups_closed,
            "metrics": {k: metric(m) for k, m in self.metrics.items()},
            "group_by": self.group_by,
            "groups": [
                {
                    "key": g.key,
                    "comments": g.comments,
                    "metrics": {k: metric(m) for k, m in g.metrics.items()},
                }
                for g in self.groups
            ],
        }


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def _group_key(group_by: str, row: Any) -> str:
    if group_by == "week":
        return week_start(row.responded_at.date()).isoformat()
    if group_by == "month":
        return str(row.responded_at.strftime("%Y-%m"))
    if group_by == "survey":
        return str(row.survey_id)
    value = getattr(row, group_by)
    return str(value) if value is not None else "(none)"


def _metrics(rows: list[Any]) -> dict[str, KindMetric]:
    scores: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.kind in SCORED_KINDS and row.score is not None:
            scores[row.kind].append(int(row.score))
    return {kind: kind_metric(kind, values) for kind, values in sorted(scores.items())}


def _groups(group_by: str, rows: list[Any]) -> list[KpiGroup]:
    by_key: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_key[_group_key(group_by, row)].append(row)
    return [
        KpiGroup(key, _metrics(members), sum(1 for r in members if r.has_comment))
        for key, members in sorted(by_key.items())
    ]


def survey_kpis(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    group_by: str | None = None,
    survey_id: int | None = None,
    kind: str | None = None,
    account_id: int | None = None,
) -> SurveyKpis:
    """Survey metrics of one workspace over `[since, until)`, optionally for one survey, kind
    or account, and cut by `group_by` (one of GROUP_BY). Raises ValueError on a bad group."""
    cuts = survey_kpis_cuts(
        session,
        workspace_id=workspace_id,
        since=since,
        until=until,
        group_bys=[group_by],
        survey_id=survey_id,
        kind=kind,
        account_id=account_id,
    )
    return cuts[group_by]


def survey_kpis_cuts(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    group_bys: Sequence[str | None],
    survey_id: int | None = None,
    kind: str | None = None,
    account_id: int | None = None,
) -> dict[str | None, SurveyKpis]:
    """`survey_kpis` cut each way of `group_bys` (None: uncut), from one read of the responses
    and invitations: a page that shows several cuts (the CX dashboard's survey section) reads
    them once. Raises ValueError on a bad group."""
    for group_by in group_bys:
        if group_by is not None and group_by not in GROUP_BY:
            raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")
    filters = [
        SurveyResponse.workspace_id == workspace_id,
        SurveyResponse.responded_at >= since,
        SurveyResponse.responded_at < until,
    ]
    if survey_id is not None:
        filters.append(SurveyResponse.survey_id == survey_id)
    if kind is not None:
        filters.append(SurveyResponse.kind == kind)
    if account_id is not None:
        filters.append(SurveyResponse.account_id == account_id)
    rows = list(
        session.execute(
            select(
                SurveyResponse.survey_id,
                SurveyResponse.kind,
                SurveyResponse.score,
                SurveyResponse.comment.is_not(None).label("has_comment"),
                SurveyResponse.channel,
                SurveyResponse.touchpoint,
                SurveyResponse.journey_stage,
                SurveyResponse.segment,
                SurveyResponse.plan,
                SurveyResponse.language,
                SurveyResponse.responded_at,
                SurveyResponse.followup_status,
            ).where(*filters)
        )
    )
    sent_filters = [
        SurveyInvitation.workspace_id == workspace_id,
        SurveyInvitation.sent_at >= since,
        SurveyInvitation.sent_at < until,
    ]
    if survey_id is not None:
        sent_filters.append(SurveyInvitation.survey_id == survey_id)
    if account_id is not None:
        sent_filters.append(SurveyInvitation.account_id == account_id)
    invited, answered = session.execute(
        select(
            func.count(),
            func.count(SurveyInvitation.answered_at),
        ).where(*sent_filters)
    ).one()
    statuses = Counter(row.followup_status for row in rows)
    whole = SurveyKpis(
        since=since,
        until=until,
        metrics=_metrics(rows),
        responses=len(rows),
        comments=sum(1 for r in rows if r.has_comment),
        invitations=int(invited),
        answered_invitations=int(answered),
        response_rate=ratio(int(answered), int(invited)),
        followups_open=statuses.get("open", 0),
        followups_closed=statuses.get("closed", 0),
    )
    return {
        group_by: whole
        if group_by is None
        else replace(whole, group_by=group_by, groups=_groups(group_by, rows))
        for group_by in group_bys
    }


def nps_answers(
    session: Session, *, workspace_id: int, since: datetime, until: datetime
) -> list[tuple[datetime, int]]:
    """(answered at, score) of every NPS answer of `[since, until)`, each answer once.

    NPS answers live in two stores: survey responses (`survey_responses`, kind `nps`) and
    `experience_nps_answers`, which holds the answers of `POST /api/v1/playbooks/signals/nps`
    and, through the `NpsResponseRecorded` event, a copy of every survey NPS answer about an
    account (the next best action reads it). A row of the second store that matches a survey
    response (same account, contact, score and moment) is that copy and is left out; every
    other row is an answer collected outside the surveys and counts."""
    surveyed = [
        (moment, int(score or 0))  # the query keeps scored answers only
        for moment, score in session.execute(
            select(SurveyResponse.responded_at, SurveyResponse.score).where(
                SurveyResponse.workspace_id == workspace_id,
                SurveyResponse.kind == "nps",
                SurveyResponse.score.is_not(None),
                SurveyResponse.responded_at >= since,
                SurveyResponse.responded_at < until,
            )
        )
    ]
    copy_of_survey = exists().where(
        SurveyResponse.workspace_id == workspace_id,
        SurveyResponse.kind == "nps",
        SurveyResponse.account_id == NpsAnswer.account_id,
        or_(
            SurveyResponse.contact_id == NpsAnswer.contact_id,
            and_(SurveyResponse.contact_id.is_(None), NpsAnswer.contact_id.is_(None)),
        ),
        SurveyResponse.score == NpsAnswer.score,
        SurveyResponse.responded_at == NpsAnswer.responded_at,
    )
    signalled = [
        (moment, int(score))
        for moment, score in session.execute(
            select(NpsAnswer.responded_at, NpsAnswer.score).where(
                NpsAnswer.workspace_id == workspace_id,
                NpsAnswer.responded_at >= since,
                NpsAnswer.responded_at < until,
                ~copy_of_survey,
            )
        )
    ]
    return surveyed + signalled


def weekly_metric(
    kind: str, answers: Iterable[tuple[datetime, int]]
) -> list[tuple[str, KindMetric]]:
    """`kind_metric` of the answers of each ISO week (keyed by its Monday, oldest first)."""
    by_week: dict[str, list[int]] = defaultdict(list)
    for moment, score in answers:
        by_week[week_start(moment.date()).isoformat()].append(score)
    return [(week, kind_metric(kind, scores)) for week, scores in sorted(by_week.items())]
