"""Text analytics use cases: analyse customer text, store and read the results, the workspace's
mode. Services never commit (the request or job edge does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.customers.contacts.service import get_contact
from cxhub.experience.text.aggregates import SentimentSummary, summarise_sentiment
from cxhub.experience.text.analyser import MODES, Mode, TextAnalysis, analyse_texts, clean_text
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.language import preload_detectors
from cxhub.experience.text.models import (
    SOURCE_CSAT_COMMENT,
    SOURCE_TICKET_MESSAGE,
    TextAnalysisRecord,
    TextAnalyticsSettings,
)
from cxhub.experience.text.topics import pick_topics, topic_features
from cxhub.service.csat.service import ticket_csat
from cxhub.service.tickets.messages import get_message, message_exists
from cxhub.service.tickets.service import get_ticket

READ_LIMIT = 500
CUSTOMER_AUTHOR = "customer"


def workspace_mode(session: Session) -> Mode:
    stored = session.scalar(select(TextAnalyticsSettings.mode))
    return "accurate" if stored == "accurate" else "fast"


def set_workspace_mode(
    session: Session, *, workspace_id: int, mode: str, actor_user_id: int | None
) -> Mode:
    if mode not in MODES:
        raise ValidationFailed("mode is fast or accurate", field="mode")
    row = session.scalar(select(TextAnalyticsSettings))
    previous = row.mode if row is not None else "fast"
    if row is None:
        row = TextAnalyticsSettings(workspace_id=workspace_id, mode=mode)
        session.add(row)
    row.mode = mode
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="text_analytics.mode_updated",
        target_type="workspace",
        target_id=workspace_id,
        detail={"before": previous, "after": mode},
    )
    return "accurate" if mode == "accurate" else "fast"


def analyse(texts: Sequence[str], *, mode: Mode) -> list[TextAnalysis]:
    """Analyse texts without storing anything (the `POST /text/analyse` use case)."""
    return analyse_texts(texts, mode=mode)


def analysis_values(
    result: TextAnalysis,
    *,
    ticket_id: int | None,
    contact_id: int | None,
    account_id: int | None,
    written_at: datetime,
    analysed_at: datetime,
) -> dict[str, Any]:
    """The `text_analyses` columns of one result beyond its key (workspace, source): the one
    mapping `store_analysis` and the demo's bulk insert (`demo.text_seed`) both write."""
    return {
        "ticket_id": ticket_id,
        "contact_id": contact_id,
        "account_id": account_id,
        "language": result.language,
        "sentiment": result.sentiment,
        "sentiment_score": result.sentiment_score,
        "topics": [name for name, _ in result.topics],
        "mode": result.mode,
        "model_version": result.model_version,
        "text_written_at": written_at,
        "analysed_at": analysed_at,
    }


def store_analysis(
    session: Session,
    *,
    workspace_id: int,
    source_type: str,
    source_id: int,
    result: TextAnalysis,
    ticket_id: int | None,
    contact_id: int | None,
    written_at: datetime,
    account_id: int | None = None,
) -> TextAnalysisRecord:
    """Insert or replace the result for one source text (re-analysis after a model update)."""
    row = session.scalar(
        select(TextAnalysisRecord).where(
            TextAnalysisRecord.source_type == source_type, TextAnalysisRecord.source_id == source_id
        )
    )
    if row is None:
        row = TextAnalysisRecord(
            workspace_id=workspace_id, source_type=source_type, source_id=source_id
        )
        session.add(row)
    values = analysis_values(
        result,
        ticket_id=ticket_id,
        contact_id=contact_id,
        account_id=account_id,
        written_at=written_at,
        analysed_at=utcnow(),
    )
    for column, value in values.items():
        setattr(row, column, value)
    session.flush()
    return row


@dataclass(frozen=True)
class PendingMessageAnalysis:
    """A customer message's analysis, computed but not stored yet (see `prepare_message_analysis`)."""

    workspace_id: int
    message_id: int
    ticket_id: int
    contact_id: int | None
    account_id: int | None
    written_at: datetime
    result: TextAnalysis


def prepare_message_analysis(session: Session, *, message_id: int) -> PendingMessageAnalysis | None:
    """Read a customer's ticket message and analyse it, writing nothing, so the job can do this
    in a read-only session: on SQLite the model's milliseconds then never hold the database's
    one write lock. Agent replies, notes and empty bodies give None."""
    message = get_message(session, message_id=message_id)
    author_kind = getattr(message.author_kind, "value", message.author_kind)
    if author_kind != CUSTOMER_AUTHOR or not message.body_text.strip():
        return None
    ticket = get_ticket(session, ticket_id=message.ticket_id)
    [result] = analyse_texts([message.body_text], mode=workspace_mode(session))
    return PendingMessageAnalysis(
        workspace_id=message.workspace_id,
        message_id=message.id,
        ticket_id=ticket.id,
        contact_id=message.author_contact_id or ticket.requester_id,
        account_id=ticket.account_id,
        written_at=message.created_at,
        result=result,
    )


def store_message_analysis(
    session: Session, pending: PendingMessageAnalysis
) -> TextAnalysisRecord | None:
    """Store a prepared analysis, unless the message was erased since it was read."""
    if not message_exists(session, message_id=pending.message_id):
        return None
    return store_analysis(
        session,
        workspace_id=pending.workspace_id,
        source_type=SOURCE_TICKET_MESSAGE,
        source_id=pending.message_id,
        result=pending.result,
        ticket_id=pending.ticket_id,
        contact_id=pending.contact_id,
        account_id=pending.account_id,
        written_at=pending.written_at,
    )


def analyse_csat_comment(session: Session, *, ticket_id: int) -> TextAnalysisRecord | None:
    """Analyse the comment of a ticket's satisfaction survey (none: nothing to do)."""
    survey = ticket_csat(session, ticket_id=ticket_id)
    if survey is None or not (survey.comment or "").strip():
        return None
    ticket = get_ticket(session, ticket_id=ticket_id)
    [result] = analyse_texts([survey.comment or ""], mode=workspace_mode(session))
    return store_analysis(
        session,
        workspace_id=survey.workspace_id,
        source_type=SOURCE_CSAT_COMMENT,
        source_id=survey.id,
        result=result,
        ticket_id=ticket.id,
        contact_id=survey.contact_id,
        account_id=ticket.account_id,
        written_at=survey.rated_at or utcnow(),
    )


def analyses_of_ticket(session: Session, *, ticket_id: int) -> list[TextAnalysisRecord]:
    get_ticket(session, ticket_id=ticket_id)  # 404 for another workspace's ticket
    return list(
        session.scalars(
            select(TextAnalysisRecord)
            .where(TextAnalysisRecord.ticket_id == ticket_id)
            .order_by(TextAnalysisRecord.text_written_at, TextAnalysisRecord.id)
            .limit(READ_LIMIT)
        )
    )


def require_contact(session: Session, *, contact_id: int) -> None:
    """404 for a contact of another workspace (or none)."""
    get_contact(session, contact_id=contact_id, follow_merges=False)


def analyses_of_contact(session: Session, *, contact_id: int) -> list[TextAnalysisRecord]:
    """The contact's most recent results, newest first."""
    return list(
        session.scalars(
            select(TextAnalysisRecord)
            .where(TextAnalysisRecord.contact_id == contact_id)
            .order_by(TextAnalysisRecord.text_written_at.desc(), TextAnalysisRecord.id.desc())
            .limit(READ_LIMIT)
        )
    )


def sentiment_summary(
    session: Session,
    *,
    contact_id: int | None = None,
    account_id: int | None = None,
    since: datetime | None = None,
) -> SentimentSummary:
    """The aggregate a health score can read: the analysed texts of a contact or an account
    (or the whole workspace when neither is given) written since `since`."""
    statement = select(TextAnalysisRecord.sentiment, TextAnalysisRecord.sentiment_score)
    if contact_id is not None:
        statement = statement.where(TextAnalysisRecord.contact_id == contact_id)
    if account_id is not None:
        statement = statement.where(TextAnalysisRecord.account_id == account_id)
    if since is not None:
        statement = statement.where(TextAnalysisRecord.text_written_at >= since)
    return summarise_sentiment((label, score) for label, score in session.execute(statement))


def export_for_contact(session: Session, *, contact_id: int) -> list[TextAnalysisRecord]:
    """Every result about the contact, oldest first (subject-access export)."""
    return list(
        session.scalars(
            select(TextAnalysisRecord)
            .where(TextAnalysisRecord.contact_id == contact_id)
            .order_by(TextAnalysisRecord.text_written_at, TextAnalysisRecord.id)
        )
    )


def load_models_now() -> None:
    """Load the bundled text models and the language detectors now instead of on first use.

    A server calls this at startup: loaded lazily, they cost its first message analyses ~2–3
    CPU-seconds per web process (xz-compressed models, lingua's n-gram tables), taken from the
    requests served meanwhile. Loaded before the heap is frozen (`core.heap.settle_heap`), they
    also stay out of later garbage collections."""
    bundled_models()
    preload_detectors()


def support_topics(texts: Sequence[str]) -> list[str | None]:
    """The most probable taxonomy topic of each text (fast model, no language detection or
    sentiment: ~0.2 ms a text), None where no topic reaches the threshold. For grouping short
    texts such as search queries (knowledge gaps)."""
    if not texts:
        return []
    models = bundled_models()
    clipped = [clean_text(t) for t in texts]
    probabilities = models.fast_topics.probabilities(
        topic_features(models.topic_vocabulary, clipped)
    )
    return [
        found[0][0] if found else None
        for found in pick_topics(probabilities, models.fast_topics.classes)
    ]
