"""Touchpoint routes: record one (any kind), log a call or meeting, import calls or mentions
with per-row errors, list, read and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.experience.touchpoints import intake, service
from cxhub.experience.touchpoints.readers import read_rows
from cxhub.experience.touchpoints.schemas import (
    CallLogIn,
    ImportIn,
    ImportReport,
    TouchpointIn,
    TouchpointOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["touchpoints"])


@router.post(
    "/touchpoints",
    response_model=TouchpointOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TouchpointOut, "description": "Known external_id: the stored one"}},
)
def record_touchpoint(
    data: TouchpointIn,
    session: DbSession,
    response: Response,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> TouchpointOut:
    """Record a touchpoint of any channel and kind, with an optional NPS-scale `score` (0-10)
    and `sentiment` ([-1, 1]); it joins the contact's timeline and may move them in journeys."""
    recorded = service.record_touchpoint(
        session,
        workspace_id=principal.workspace_id,
        contact_id=data.contact_id,
        account_id=data.account_id,
        channel=data.channel,
        kind=data.kind,
        occurred_at=data.occurred_at,
        sentiment=data.sentiment,
        score=data.score,
        text=data.text,
        details=data.details,
        external_id=data.external_id,
    )
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return TouchpointOut.of(recorded.touchpoint)


@router.post("/touchpoints/calls", response_model=ImportReport, status_code=status.HTTP_201_CREATED)
def log_call(
    data: CallLogIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> ImportReport:
    """Log one call or meeting (direction, duration, notes, participants); the contact is
    named by id, email or phone (created when unknown)."""
    report = intake.import_rows(
        session,
        workspace_id=principal.workspace_id,
        kind="calls",
        rows=[data.model_dump(exclude_none=True, mode="json")],
    )
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(error.message, field=error.field)
    return report


def _import(
    kind: Literal["calls", "mentions"], data: ImportIn, session: DbSession, workspace_id: int
) -> ImportReport:
    if (data.rows is None) == (data.csv is None):
        raise ValidationFailed("send either rows or csv", field="rows")
    rows = data.rows if data.rows is not None else list(read_rows(data.csv or "", fmt="csv"))
    if len(rows) > 10_000:
        raise ValidationFailed("at most 10,000 rows per request", field="csv")
    return intake.import_rows(session, workspace_id=workspace_id, kind=kind, rows=rows)


@router.post("/touchpoints/import/calls", response_model=ImportReport)
def import_calls(
    data: ImportIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> ImportReport:
    """Import call and meeting logs: `rows` as JSON objects or `csv` as text with a header row.
    Good rows are recorded; each bad row is reported (row number, field, reason) and nothing
    else is lost."""
    return _import("calls", data, session, principal.workspace_id)


@router.post("/touchpoints/import/mentions", response_model=ImportReport)
def import_mentions(
    data: ImportIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> ImportReport:
    """Import social/brand mentions as `rows` or `csv`; each text is analysed (language,
    sentiment, topics) and its author resolved to an existing contact by social handle. Bad
    rows are reported, good rows kept."""
    return _import("mentions", data, session, principal.workspace_id)


@router.get("/touchpoints", response_model=list[TouchpointOut])
def list_touchpoints(
    session: DbSession,
    contact_id: int | None = None,
    channel: str | None = Query(default=None, max_length=32),
    kind: str | None = Query(default=None, max_length=64),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: int = Query(default=100, ge=1, le=500),
    _: Principal = require(Permission.INTERACTIONS_READ),
) -> list[TouchpointOut]:
    """Touchpoints, newest first (web visits live in the usage store, not here)."""
    after: datetime | None = since
    before: datetime | None = until
    return [
        TouchpointOut.of(t)
        for t in service.list_touchpoints(
            session,
            contact_id=contact_id,
            channel=channel,
            kind=kind,
            since=after,
            until=before,
            limit=limit,
        )
    ]


@router.get("/touchpoints/{touchpoint_id}", response_model=TouchpointOut)
def get_touchpoint(
    touchpoint_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> TouchpointOut:
    return TouchpointOut.of(service.get_touchpoint(session, touchpoint_id=touchpoint_id))


@router.delete("/touchpoints/{touchpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_touchpoint(
    touchpoint_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_WRITE)
) -> None:
    service.delete_touchpoint(session, touchpoint_id=touchpoint_id)
