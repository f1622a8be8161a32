"""Touchpoint intake for what has no other door: call and meeting logs, social/brand mentions.

Rows arrive as dicts (from JSON, JSONL or CSV, `readers.py`); each is validated and recorded in
its own savepoint, so a bad row is reported with its number, field and reason while every good
row is kept — nothing is lost and nothing half-written. Mention authors are resolved to an
existing contact by their social handle (never created: a stranger's tweet is not a customer);
call participants by email or phone (created when unknown, as a logged call is with a person the
team knows). Mention texts go through text analytics (language, sentiment, topics) in one batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError
from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise_social
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import identify_contact, owners_of
from cxhub.experience.text import service as text_analytics
from cxhub.experience.touchpoints.models import KIND_MENTION
from cxhub.experience.touchpoints.readers import Unreadable
from cxhub.experience.touchpoints.schemas import CallLogIn, ImportReport, MentionIn, RowError
from cxhub.experience.touchpoints.service import record_touchpoint

IntakeKind = Literal["calls", "mentions"]
TEXT_SOURCE = "touchpoint_mention"


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Empty CSV cells mean "not given": the field's default applies."""
    return {k.strip(): v for k, v in row.items() if k and v not in ("", None)}


def _validation_error(number: int, exc: ValidationError) -> RowError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    return RowError(row=number, field=field, message=str(first.get("msg", "invalid")))


def _call_contact(session: Session, workspace_id: int, call: CallLogIn) -> int | None:
    if call.contact_id is not None:
        return call.contact_id
    if call.contact_email is None and call.contact_phone is None:
        return None
    data = ContactCreate(
        emails=[call.contact_email] if call.contact_email else [],
        phones=[call.contact_phone] if call.contact_phone else [],
    )
    return identify_contact(session, workspace_id=workspace_id, data=data).contact.id


def mention_author_contact(session: Session, *, network: str, author: str) -> int | None:
    """The existing contact holding the social handle `network:author`, if any."""
    try:
        key = (IdentifierKind.SOCIAL, normalise_social(f"{network}:{author}"))
    except InvalidIdentifier:
        return None
    return owners_of(session, [key]).get(key)


def _record_call(session: Session, workspace_id: int, call: CallLogIn) -> bool:
    details: dict[str, Any] = {"participants": call.participants}
    if call.direction is not None:
        details["direction"] = call.direction
    if call.duration_seconds is not None:
        details["duration_seconds"] = call.duration_seconds
    channel = call.channel or ("phone" if call.kind == "call" else "in_person")
    summary = f"{call.kind.capitalize()}" + (f" ({call.direction})" if call.direction else "")
    return record_touchpoint(
        session,
        workspace_id=workspace_id,
        contact_id=_call_contact(session, workspace_id, call),
        account_id=call.account_id,
        channel=channel,
        kind=call.kind,
        occurred_at=call.occurred_at,
        text=call.notes,
        details=details,
        external_id=call.external_id,
        summary=f"{summary}: {call.notes}" if call.notes else summary,
    ).created


def _record_mention(session: Session, workspace_id: int, mention: MentionIn) -> bool:
    [analysis] = text_analytics.analyse([mention.text], mode=text_analytics.workspace_mode(session))
    contact_id = mention_author_contact(session, network=mention.network, author=mention.author)
    recorded = record_touchpoint(
        session,
        workspace_id=workspace_id,
        contact_id=contact_id,
        account_id=None,
        channel=mention.channel,
        kind=KIND_MENTION,
        occurred_at=mention.occurred_at,
        sentiment=round(analysis.sentiment_score, 6),
        language=analysis.language,
        text=mention.text,
        details={
            "author": mention.author,
            "network": mention.network.lower(),
            "url": mention.url,
            "sentiment": analysis.sentiment,
            "topics": [name for name, _ in analysis.topics],
        },
        external_id=mention.external_id,
    )
    if recorded.created and contact_id is not None:
        text_analytics.store_analysis(
            session,
            workspace_id=workspace_id,
            source_type=TEXT_SOURCE,
            source_id=recorded.touchpoint.id,
            result=analysis,
            ticket_id=None,
            contact_id=contact_id,
            account_id=recorded.touchpoint.account_id,
            written_at=recorded.touchpoint.occurred_at,
        )
    return recorded.created


def import_rows(
    session: Session, *, workspace_id: int, kind: IntakeKind, rows: Iterable[dict[str, Any]]
) -> ImportReport:
    """Validate and record each row in its own savepoint; answers counts and per-row errors."""
    shape: type[BaseModel] = CallLogIn if kind == "calls" else MentionIn
    received = recorded = duplicates = 0
    errors: list[RowError] = []
    for number, raw in enumerate(rows, start=1):
        received += 1
        if isinstance(raw, Unreadable):
            errors.append(RowError(row=number, field=None, message=str(raw["reason"])))
            continue
        try:
            parsed = shape.model_validate(_clean(raw) if isinstance(raw, dict) else raw)
        except ValidationError as exc:
            errors.append(_validation_error(number, exc))
            continue
        session.flush()
        try:
            with session.begin_nested():
                if isinstance(parsed, CallLogIn):
                    created = _record_call(session, workspace_id, parsed)
                else:
                    assert isinstance(parsed, MentionIn)
                    created = _record_mention(session, workspace_id, parsed)
        except DomainError as exc:
            errors.append(
                RowError(row=number, field=exc.extensions.get("field"), message=exc.detail)
            )
            continue
        if created:
            recorded += 1
        else:
            duplicates += 1
    return ImportReport(received=received, recorded=recorded, duplicates=duplicates, errors=errors)
