"""Text analytics routes: analyse arbitrary text, read the stored results of a ticket or a
contact (with the contact's sentiment aggregate), and the workspace's analysis mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.experience.text import service
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.embeddings import accurate_available
from cxhub.experience.text.schemas import (
    MAX_TEXT_CHARS,
    AnalyseIn,
    AnalyseOut,
    AnalysisOut,
    ContactAnalysesOut,
    SentimentSummaryOut,
    StoredAnalysisOut,
    TextSettingsIn,
    TextSettingsOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["text analytics"])


@router.post("/text/analyse", response_model=AnalyseOut)
def analyse_text(
    data: AnalyseIn, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> AnalyseOut:
    """Language, sentiment and topics of 1-100 texts; nothing is stored."""
    for index, text in enumerate(data.texts):
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(
                f"texts[{index}] is longer than {MAX_TEXT_CHARS} characters", field="texts"
            )
    mode = data.mode or service.workspace_mode(session)
    return AnalyseOut(results=[AnalysisOut.of(r) for r in service.analyse(data.texts, mode=mode)])


@router.get("/tickets/{ticket_id}/text-analyses", response_model=list[StoredAnalysisOut])
def ticket_analyses(
    ticket_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[StoredAnalysisOut]:
    """The results of the customer's messages on a ticket, oldest first."""
    return [
        StoredAnalysisOut.of(r) for r in service.analyses_of_ticket(session, ticket_id=ticket_id)
    ]


@router.get("/contacts/{contact_id}/text-analyses", response_model=ContactAnalysesOut)
def contact_analyses(
    contact_id: int,
    session: DbSession,
    _: Principal = require(Permission.CUSTOMERS_READ),
    days: int | None = Query(
        default=None, ge=1, le=3650, description="Summary window (default: all)."
    ),
) -> ContactAnalysesOut:
    """The contact's latest 500 results, newest first, and their sentiment summary."""
    service.require_contact(session, contact_id=contact_id)
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    return ContactAnalysesOut(
        summary=SentimentSummaryOut.of(
            service.sentiment_summary(session, contact_id=contact_id, since=since)
        ),
        items=[
            StoredAnalysisOut.of(r)
            for r in service.analyses_of_contact(session, contact_id=contact_id)
        ],
    )


@router.get("/text/sentiment", response_model=SentimentSummaryOut)
def sentiment_aggregate(
    session: DbSession,
    _: Principal = require(Permission.SUCCESS_READ),
    account_id: int | None = None,
    contact_id: int | None = None,
    days: int | None = Query(default=None, ge=1, le=3650),
) -> SentimentSummaryOut:
    """Sentiment of the analysed customer texts of an account, a contact or the workspace."""
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    summary = service.sentiment_summary(
        session, contact_id=contact_id, account_id=account_id, since=since
    )
    return SentimentSummaryOut.of(summary)


@router.get("/text/settings", response_model=TextSettingsOut)
def get_settings(
    session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> TextSettingsOut:
    return TextSettingsOut(
        mode=service.workspace_mode(session),
        accurate_available=accurate_available(),
        model_version=bundled_models().version,
    )


@router.put("/text/settings", response_model=TextSettingsOut)
def put_settings(
    data: TextSettingsIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> TextSettingsOut:
    """Choose the workspace's analysis mode for new texts (admins)."""
    mode = service.set_workspace_mode(
        session,
        workspace_id=principal.workspace_id,
        mode=data.mode,
        actor_user_id=principal.user_id,
    )
    return TextSettingsOut(
        mode=mode, accurate_available=accurate_available(), model_version=bundled_models().version
    )
