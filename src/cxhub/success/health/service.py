"""Health use cases: scorecards, an account's health and the backtest (the daily rescore is
`rescore.py`). No commits: the request or job edge commits (ADR 0002)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.analytics.health import (
    DEFAULT_SCORECARD,
    HealthChange,
    HealthResult,
    Scorecard,
    explain_change,
)
from cxhub.analytics.health_backtest import BacktestReport, ScorePoint, backtest
from cxhub.analytics.health_breakdown import result_from_stored
from cxhub.core.errors import Conflict, NotFound
from cxhub.customers.accounts import service as accounts
from cxhub.success.health.models import AccountHealthScore, HealthScorecard
from cxhub.success.health.schemas import ScorecardWrite
from cxhub.success.subscriptions.service import account_churn_days

DEFAULT_NAME = "Default"
CHANGE_DAYS = 7
HISTORY_DAYS = 180


def list_scorecards(session: Session) -> list[HealthScorecard]:
    return list(session.scalars(select(HealthScorecard).order_by(HealthScorecard.id)))


def get_scorecard(session: Session, *, scorecard_id: int) -> HealthScorecard:
    found = session.scalar(select(HealthScorecard).where(HealthScorecard.id == scorecard_id))
    if found is None:
        raise NotFound(f"scorecard {scorecard_id} not found")
    return found


def _only_default(session: Session, scorecard: HealthScorecard) -> None:
    if scorecard.is_default:
        for other in list_scorecards(session):
            if other.id != scorecard.id and other.is_default:
                other.is_default = False


def _save(session: Session, scorecard: HealthScorecard) -> HealthScorecard:
    try:
        with session.begin_nested():
            session.add(scorecard)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"a scorecard named {scorecard.name!r} already exists", field="name"
        ) from None
    _only_default(session, scorecard)
    return scorecard


def create_scorecard(
    session: Session, *, workspace_id: int, data: ScorecardWrite
) -> HealthScorecard:
    with session.no_autoflush:
        taken = session.scalar(select(HealthScorecard.id).where(HealthScorecard.name == data.name))
    if taken is not None:
        raise Conflict(f"a scorecard named {data.name!r} already exists", field="name")
    scorecard = HealthScorecard(
        workspace_id=workspace_id,
        name=data.name,
        definition=data.definition.model_dump(mode="json"),
        active=data.active,
        is_default=data.is_default,
    )
    return _save(session, scorecard)


def update_scorecard(
    session: Session, *, scorecard_id: int, data: ScorecardWrite
) -> HealthScorecard:
    scorecard = get_scorecard(session, scorecard_id=scorecard_id)
    with session.no_autoflush:
        taken = session.scalar(select(HealthScorecard.id).where(HealthScorecard.name == data.name))
    if taken is not None and taken != scorecard.id:
        raise Conflict(f"a scorecard named {data.name!r} already exists", field="name")
    scorecard.name = data.name
    scorecard.definition = data.definition.model_dump(mode="json")
    scorecard.active = data.active
    scorecard.is_default = data.is_default
    session.flush()
    _only_default(session, scorecard)
    return scorecard


def find_default_scorecard(session: Session) -> HealthScorecard | None:
    """The scorecard marked default, else the first active one, else None."""
    found = session.scalar(
        select(HealthScorecard)
        .where(HealthScorecard.is_default.is_(True))
        .order_by(HealthScorecard.id)
        .limit(1)
    )
    if found is not None:
        return found
    first_active = session.scalar(
        select(HealthScorecard)
        .where(HealthScorecard.active.is_(True))
        .order_by(HealthScorecard.id)
        .limit(1)
    )
    return first_active


def default_scorecard(session: Session, *, workspace_id: int) -> HealthScorecard:
    """The workspace's default scorecard; the built-in one is stored on first use."""
    found = find_default_scorecard(session)
    if found is not None:
        return found
    return create_scorecard(
        session,
        workspace_id=workspace_id,
        data=ScorecardWrite(name=DEFAULT_NAME, definition=DEFAULT_SCORECARD, is_default=True),
    )


def definition_of(scorecard: HealthScorecard) -> Scorecard:
    return Scorecard.model_validate(scorecard.definition)


@dataclass(frozen=True)
class AccountHealth:
    account_id: int
    scorecard_id: int | None
    latest: HealthResult | None
    latest_day: date | None
    history: list[AccountHealthScore]
    change: HealthChange | None


def _result(row: AccountHealthScore) -> HealthResult:
    """The stored result of a row, its breakdown expanded (either stored format)."""
    return HealthResult.model_validate(
        result_from_stored(row.components, score=row.score, band=row.band, coverage=row.coverage)
    )


def account_health(
    session: Session, *, account_id: int, scorecard_id: int | None = None
) -> AccountHealth:
    """The latest score, the last 180 days of history and why the score changed since the
    score of 7 days before the latest (or the closest earlier one)."""
    account = accounts.get_account(session, account_id=account_id)
    if scorecard_id is None:
        card = find_default_scorecard(session)
    else:
        card = get_scorecard(session, scorecard_id=scorecard_id)
    if card is None:
        return AccountHealth(account.id, None, None, None, [], None)
    rows = list(
        session.scalars(
            select(AccountHealthScore)
            .where(
                AccountHealthScore.account_id == account.id,
                AccountHealthScore.scorecard_id == card.id,
            )
            .order_by(AccountHealthScore.day.desc())
            .limit(HISTORY_DAYS)
        )
    )
    if not rows:
        return AccountHealth(account.id, card.id, None, None, [], None)
    latest = rows[0]
    reference = next((r for r in rows if r.day <= latest.day - timedelta(days=CHANGE_DAYS)), None)
    change = explain_change(_result(reference), _result(latest)) if reference else None
    return AccountHealth(
        account.id, card.id, _result(latest), latest.day, list(reversed(rows)), change
    )


def run_backtest(
    session: Session, *, scorecard_id: int | None, as_of: date, horizon_days: int
) -> tuple[int | None, BacktestReport]:
    """The backtest of one scorecard's stored scores (the default one when not named; the
    built-in bands when the workspace has scored nothing yet)."""
    card = (
        find_default_scorecard(session)
        if scorecard_id is None
        else get_scorecard(session, scorecard_id=scorecard_id)
    )
    if card is None:
        bands = [b.name for b in DEFAULT_SCORECARD.bands]
        return None, backtest(
            histories={}, churned_on={}, as_of=as_of, horizon_days=horizon_days, band_order=bands
        )
    histories: dict[int, list[ScorePoint]] = {}
    for row in session.scalars(
        select(AccountHealthScore)
        .where(AccountHealthScore.scorecard_id == card.id, AccountHealthScore.day <= as_of)
        .order_by(AccountHealthScore.day)
    ):
        histories.setdefault(row.account_id, []).append(ScorePoint(row.day, row.score, row.band))
    report = backtest(
        histories=histories,
        churned_on=account_churn_days(session),
        as_of=as_of,
        horizon_days=horizon_days,
        band_order=[b.name for b in definition_of(card).bands],
    )
    return card.id, report


@dataclass(frozen=True)
class LatestScores:
    """Each account's latest score on or before a day, by the default scorecard."""

    scorecard_id: int | None
    band_order: list[str]
    scores: dict[int, tuple[float | None, str | None]]

    @property
    def worst_band(self) -> str | None:
        return self.band_order[0] if self.band_order else None


def latest_scores(
    session: Session, *, on: date, account_ids: set[int] | None = None
) -> LatestScores:
    """The latest score of each account on or before `on` (the default scorecard; the
    built-in bands and no scores when the workspace has none yet)."""
    card = find_default_scorecard(session)
    if card is None:
        return LatestScores(None, [b.name for b in DEFAULT_SCORECARD.bands], {})
    latest = select(
        AccountHealthScore.account_id, func.max(AccountHealthScore.day).label("day")
    ).where(AccountHealthScore.scorecard_id == card.id, AccountHealthScore.day <= on)
    if account_ids is not None:
        latest = latest.where(AccountHealthScore.account_id.in_(account_ids))
    latest_days = latest.group_by(AccountHealthScore.account_id).subquery()
    rows = session.execute(
        select(AccountHealthScore.account_id, AccountHealthScore.score, AccountHealthScore.band)
        .join(
            latest_days,
            and_(
                AccountHealthScore.account_id == latest_days.c.account_id,
                AccountHealthScore.day == latest_days.c.day,
            ),
        )
        .where(AccountHealthScore.scorecard_id == card.id)
    )
    return LatestScores(
        card.id,
        [b.name for b in definition_of(card).bands],
        {int(a): (score, band) for a, score, band in rows},
    )


@dataclass(frozen=True)
class LatestScore:
    account_id: int
    scorecard_id: int
    day: date
    score: float | None
    band: str | None
    band_rank: int | None  # 0 = the scorecard's lowest (worst) band


def latest_score_by_account(
    session: Session, *, account_ids: list[int], scorecard_id: int | None = None
) -> dict[int, LatestScore]:
    """Each account's latest stored score by one scorecard (the default one when not named);
    accounts never scored are absent."""
    if not account_ids:
        return {}
    card = (
        find_default_scorecard(session)
        if scorecard_id is None
        else get_scorecard(session, scorecard_id=scorecard_id)
    )
    if card is None:
        return {}
    ranks = {band.name: rank for rank, band in enumerate(definition_of(card).bands)}
    latest = (
        select(AccountHealthScore.account_id, func.max(AccountHealthScore.day).label("day"))
        .where(
            AccountHealthScore.account_id.in_(account_ids),
            AccountHealthScore.scorecard_id == card.id,
        )
        .group_by(AccountHealthScore.account_id)
        .subquery()
    )
    rows = session.scalars(
        select(AccountHealthScore).join(
            latest,
            and_(
                AccountHealthScore.account_id == latest.c.account_id,
                AccountHealthScore.day == latest.c.day,
                AccountHealthScore.scorecard_id == card.id,
            ),
        )
    )
    return {
        row.account_id: LatestScore(
            row.account_id,
            card.id,
            row.day,
            row.score,
            row.band,
            ranks.get(row.band) if row.band is not None else None,
        )
        for row in rows
    }
