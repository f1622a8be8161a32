"""Health routes: scorecards, an account's health, rescoring now and the churn backtest."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.permissions import Permission
from cxhub.success.health import service
from cxhub.success.health.rescore import rescore_workspace
from cxhub.success.health.schemas import (
    AccountHealthOut,
    BacktestOut,
    BandOutcomeOut,
    HealthDayOut,
    RescoreOut,
    ScorecardOut,
    ScorecardWrite,
)

router = APIRouter(route_class=TransactionalRoute, tags=["health"])


@router.get("/health/scorecards", response_model=list[ScorecardOut])
def list_scorecards(
    session: DbSession, _: Principal = require(Permission.SUCCESS_READ)
) -> list[ScorecardOut]:
    """The workspace's scorecards (the built-in default appears after the first rescore)."""
    return [ScorecardOut.model_validate(s) for s in service.list_scorecards(session)]


@router.post("/health/scorecards", response_model=ScorecardOut, status_code=status.HTTP_201_CREATED)
def create_scorecard(
    data: ScorecardWrite,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> ScorecardOut:
    """Create a scorecard; the definition is validated (weights sum to 100, points increase)."""
    created = service.create_scorecard(session, workspace_id=principal.workspace_id, data=data)
    return ScorecardOut.model_validate(created)


@router.put("/health/scorecards/{scorecard_id}", response_model=ScorecardOut)
def update_scorecard(
    scorecard_id: int,
    data: ScorecardWrite,
    session: DbSession,
    _: Principal = require(Permission.SUCCESS_WRITE),
) -> ScorecardOut:
    """Replace a scorecard; stored scores keep the breakdown they were computed with."""
    updated = service.update_scorecard(session, scorecard_id=scorecard_id, data=data)
    return ScorecardOut.model_validate(updated)


@router.get("/accounts/{account_id}/health", response_model=AccountHealthOut)
def account_health(
    account_id: int,
    session: DbSession,
    scorecard_id: int | None = None,
    _: Principal = require(Permission.SUCCESS_READ),
) -> AccountHealthOut:
    """The latest score with its breakdown, the daily history and why it changed in 7 days."""
    health = service.account_health(session, account_id=account_id, scorecard_id=scorecard_id)
    return AccountHealthOut(
        account_id=health.account_id,
        scorecard_id=health.scorecard_id,
        latest=health.latest,
        latest_day=health.latest_day,
        history=[
            HealthDayOut(day=r.day, score=r.score, band=r.band, coverage=r.coverage)
            for r in health.history
        ],
        change=health.change,
    )


@router.post("/health/rescore", response_model=RescoreOut)
def rescore(
    request: Request, session: DbSession, principal: Principal = require(Permission.SUCCESS_WRITE)
) -> RescoreOut:
    """Compute today's score of every account now (the `health.rescore` job runs daily)."""
    runtime = get_runtime(request)
    with runtime.reading(session.info) as reader:  # inputs read without the write lock
        summary = rescore_workspace(
            session,
            workspace_id=principal.workspace_id,
            as_of=datetime.now(UTC),
            data_dir=runtime.settings.data_dir,
            reader=reader,
            between_chunks=session.commit,  # agents' writes wait for a chunk, not all (ADR 0040)
        )
    return RescoreOut(**summary.__dict__)


@router.get("/health/backtest", response_model=BacktestOut)
def health_backtest(
    session: DbSession,
    scorecard_id: int | None = None,
    as_of: Annotated[
        date | None, Query(description="Day of the scores; default 90 days ago.")
    ] = None,
    horizon_days: Annotated[int, Query(ge=1, le=730)] = 90,
    _: Principal = require(Permission.SUCCESS_READ),
) -> BacktestOut:
    """How well the stored scores on `as_of` predicted churn in the following `horizon_days`:
    ROC AUC (lower score = higher risk), churn rate per band and the worst band's lift."""
    day = as_of or date.fromordinal(datetime.now(UTC).date().toordinal() - horizon_days)
    card_id, report = service.run_backtest(
        session, scorecard_id=scorecard_id, as_of=day, horizon_days=horizon_days
    )
    return BacktestOut(
        scorecard_id=card_id,
        as_of=report.as_of,
        horizon_days=report.horizon_days,
        accounts=report.accounts,
        churned=report.churned,
        unscored=report.unscored,
        base_rate=report.base_rate,
        auc=report.auc,
        bands=[BandOutcomeOut(**b.__dict__) for b in report.bands],
        worst_band=report.worst_band,
        worst_band_lift=report.worst_band_lift,
    )
