"""Expansion routes: the plan catalogue, the workspace's ranked opportunities and one
account's (docs/expansion.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from cxhub.analytics import adoption
from cxhub.analytics.expansion import PlanCatalogue
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.success.expansion import service
from cxhub.success.expansion.schemas import (
    AccountExpansionOut,
    CatalogueOut,
    ExpansionListOut,
    OpportunityOut,
    SnapshotOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["expansion"])

AsOf = Annotated[
    datetime | None,
    Query(
        description="End of the 30-day usage window. Default: now, answered from the "
        "workspace's stored snapshot of the day (ADR 0044); a given moment is computed."
    ),
]
ACTIONS = ("add_seats", "upgrade_plan", "add_on")


def _source(request: Request, as_of: datetime | None) -> dict[str, Any]:
    """No `as_of`: now, from the stored snapshot (ADR 0044); a given moment is computed."""
    runtime = get_runtime(request)
    return {
        "as_of": adoption.usage_moment(as_of),
        "data_dir": runtime.settings.data_dir,
        "stored": as_of is None,
        "writer": runtime.session_factory,
    }


@router.get("/expansion/catalogue", response_model=CatalogueOut)
def get_catalogue(
    session: DbSession, principal: Principal = require(Permission.SUCCESS_READ)
) -> CatalogueOut:
    """The plans (lowest first) with prices and feature limits, the add-ons and the rule
    thresholds expansion opportunities are computed with."""
    catalogue, record = service.catalogue_of(session, workspace_id=principal.workspace_id)
    return CatalogueOut(
        stored=record is not None,
        definition=catalogue,
        updated_at=record.updated_at if record else None,
    )


@router.put("/expansion/catalogue", response_model=CatalogueOut)
def put_catalogue(
    data: PlanCatalogue,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> CatalogueOut:
    """Replace the workspace's plan catalogue (validated: unique names, sorted size bands)."""
    record = service.save_catalogue(session, workspace_id=principal.workspace_id, catalogue=data)
    return CatalogueOut(stored=True, definition=data, updated_at=record.updated_at)


@router.get("/expansion", response_model=ExpansionListOut)
def list_opportunities(
    request: Request,
    session: DbSession,
    as_of: AsOf = None,
    action: Annotated[str | None, Query(description="add_seats, upgrade_plan or add_on")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> ExpansionListOut:
    """Upsell and cross-sell opportunities of the workspace, largest ARR upside first, each
    with machine-readable reasons and evidence."""
    if action is not None and action not in ACTIONS:
        raise ValidationFailed(f"action is one of {', '.join(ACTIONS)}", field="action")
    report = service.opportunities(
        session,
        **_source(request, as_of),
        workspace_id=principal.workspace_id,
        actions=None if action is None else {action},
        limit=limit,
    )
    return ExpansionListOut(
        as_of=report.as_of,
        computed_at=report.computed_at,
        currency=report.currency,
        accounts_considered=report.accounts_considered,
        compute_seconds=round(report.compute_seconds, 3),
        total=report.total,
        arr_upside_cents=report.arr_upside_cents,
        opportunities=[
            OpportunityOut.of(o, report.account_names.get(o.account_id, ""))
            for o in report.opportunities
        ],
    )


@router.get("/accounts/{account_id}/expansion", response_model=AccountExpansionOut)
def account_opportunities(
    account_id: int,
    request: Request,
    session: DbSession,
    as_of: AsOf = None,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> AccountExpansionOut:
    """One account's opportunities (its similar accounts are found in the whole workspace)."""
    report = service.opportunities(
        session,
        **_source(request, as_of),
        workspace_id=principal.workspace_id,
        account_id=account_id,
    )
    return AccountExpansionOut(
        account_id=account_id,
        as_of=report.as_of,
        computed_at=report.computed_at,
        currency=report.currency,
        arr_upside_cents=report.arr_upside_cents,
        opportunities=[
            OpportunityOut.of(o, report.account_names.get(o.account_id, ""))
            for o in report.opportunities
        ],
    )


@router.post("/expansion/refresh", response_model=SnapshotOut)
def refresh_snapshot(
    request: Request, session: DbSession, principal: Principal = require(Permission.SUCCESS_WRITE)
) -> SnapshotOut:
    """Compute and store the workspace's opportunities now (the `expansion.refresh` job does
    it every six hours and after subscription changes; a read computes it when it finds the
    stored one outdated)."""
    runtime = get_runtime(request)
    with runtime.reading(session.info) as reader:  # inputs read without the write lock
        refreshed = service.refresh(
            session,
            reader=reader,
            workspace_id=principal.workspace_id,
            now=utcnow(),
            data_dir=runtime.settings.data_dir,
        )
    computed = refreshed.computed
    return SnapshotOut(
        stored=refreshed.stored,
        as_of=computed.as_of,
        currency=computed.currency,
        accounts_considered=computed.accounts_considered,
        opportunities=len(computed.opportunities),
        compute_seconds=computed.seconds,
    )
