"""Playbook routes: configuration, the run log, the NPS hook and survey enrolments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.db import utcnow
from cxhub.core.outbound_http import OutboundPolicy
from cxhub.core.permissions import Permission
from cxhub.success.playbooks import service
from cxhub.success.playbooks.models import Playbook
from cxhub.success.playbooks.schemas import (
    NpsSignal,
    PlaybookOut,
    PlaybookRunOut,
    PlaybookWrite,
    SurveyEnrolmentOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["playbooks"])


def _policy(request: Request) -> OutboundPolicy:
    return OutboundPolicy.from_settings(get_runtime(request).settings)


def _out(session: DbSession, playbooks: list[Playbook], principal: Principal) -> list[PlaybookOut]:
    counts = service.open_episode_counts(session, playbook_ids=[p.id for p in playbooks])
    show = principal.can(Permission.SUCCESS_WRITE)
    return [
        PlaybookOut.of(p, open_episodes=counts.get(p.id, 0), show_secret=show) for p in playbooks
    ]


@router.get("/playbooks", response_model=PageOut[PlaybookOut])
def list_playbooks(
    session: DbSession, page: PageParams, principal: Principal = require(Permission.SUCCESS_READ)
) -> PageOut[PlaybookOut]:
    """Playbooks by `id` (also `name`)."""
    result = service.list_playbooks(session, page=page)
    return PageOut(items=_out(session, result.items, principal), next_cursor=result.next_cursor)


@router.post("/playbooks", response_model=PlaybookOut, status_code=status.HTTP_201_CREATED)
def create_playbook(
    data: PlaybookWrite,
    request: Request,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> PlaybookOut:
    """Create a playbook (enabled unless `enabled` is false); see docs/playbooks.md."""
    playbook = service.create_playbook(
        session,
        workspace_id=principal.workspace_id,
        data=data,
        created_by_id=principal.user_id,
        policy=_policy(request),
    )
    return _out(session, [playbook], principal)[0]


@router.post(
    "/playbooks/signals/nps",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses={202: {"description": "The answer was passed to nps_detractor playbooks."}},
)
def nps_signal(
    data: NpsSignal, session: DbSession, principal: Principal = require(Permission.SUCCESS_WRITE)
) -> Response:
    """Feed an NPS answer to `nps_detractor` playbooks (until surveys publish their own)."""
    service.record_nps_signal(session, workspace_id=principal.workspace_id, data=data, now=utcnow())
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.get("/playbooks/{playbook_id}", response_model=PlaybookOut)
def get_playbook(
    playbook_id: int, session: DbSession, principal: Principal = require(Permission.SUCCESS_READ)
) -> PlaybookOut:
    return _out(session, [service.get_playbook(session, playbook_id=playbook_id)], principal)[0]


@router.put("/playbooks/{playbook_id}", response_model=PlaybookOut)
def replace_playbook(
    playbook_id: int,
    data: PlaybookWrite,
    request: Request,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> PlaybookOut:
    """Replace the playbook; a changed trigger drops its episodes (every account re-arms)."""
    playbook = service.replace_playbook(
        session,
        playbook_id=playbook_id,
        data=data,
        policy=_policy(request),
    )
    return _out(session, [playbook], principal)[0]


@router.post("/playbooks/{playbook_id}/enable", response_model=PlaybookOut)
def enable_playbook(
    playbook_id: int,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> PlaybookOut:
    playbook = service.set_enabled(session, playbook_id=playbook_id, enabled=True)
    return _out(session, [playbook], principal)[0]


@router.post("/playbooks/{playbook_id}/disable", response_model=PlaybookOut)
def disable_playbook(
    playbook_id: int,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> PlaybookOut:
    playbook = service.set_enabled(session, playbook_id=playbook_id, enabled=False)
    return _out(session, [playbook], principal)[0]


@router.delete("/playbooks/{playbook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_playbook(
    playbook_id: int,
    session: DbSession,
    _: Principal = require(Permission.SUCCESS_WRITE),
) -> Response:
    """Delete the playbook; its runs stay in the log."""
    service.delete_playbook(session, playbook_id=playbook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/playbooks/{playbook_id}/runs", response_model=PageOut[PlaybookRunOut])
def playbook_runs(
    playbook_id: int,
    session: DbSession,
    page: PageParams,
    account_id: int | None = None,
    _: Principal = require(Permission.SUCCESS_READ),
) -> PageOut[PlaybookRunOut]:
    """The playbook's run log, newest first: trigger facts and every action's outcome."""
    result = service.list_runs(session, page=page, playbook_id=playbook_id, account_id=account_id)
    return PageOut(
        items=[PlaybookRunOut.of(r) for r in result.items], next_cursor=result.next_cursor
    )


@router.get("/playbook-runs", response_model=PageOut[PlaybookRunOut])
def all_runs(
    session: DbSession,
    page: PageParams,
    account_id: int | None = None,
    _: Principal = require(Permission.SUCCESS_READ),
) -> PageOut[PlaybookRunOut]:
    """Every playbook's runs (deleted playbooks' too), newest first; filter by account."""
    result = service.list_runs(session, page=page, account_id=account_id)
    return PageOut(
        items=[PlaybookRunOut.of(r) for r in result.items], next_cursor=result.next_cursor
    )


@router.get("/survey-enrolments", response_model=list[SurveyEnrolmentOut])
def survey_enrolments(
    session: DbSession,
    survey: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    _: Principal = require(Permission.SUCCESS_READ),
) -> list[SurveyEnrolmentOut]:
    """Pending survey enrolments left by playbooks, oldest first (for the survey engine)."""
    rows = service.pending_enrolments(session, survey=survey, limit=limit)
    return [SurveyEnrolmentOut.of(row) for row in rows]
