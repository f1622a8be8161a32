"""Playbook configuration, the run log and survey enrolments. No commits (ADR 0002).

Firing lives in `runner`; this module is what the API and the pages call.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.outbound_http import OutboundPolicy, check_configured_url
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.service import get_contact
from cxhub.success.playbooks.definition import PlaybookDefinition, WebhookAction
from cxhub.success.playbooks.events import NpsResponseRecorded
from cxhub.success.playbooks.models import (
    Playbook,
    PlaybookEpisode,
    PlaybookRun,
    SurveyEnrolment,
)
from cxhub.success.playbooks.schemas import NpsSignal, PlaybookWrite

PLAYBOOK_SORTS = {"id": Playbook.id, "name": Playbook.name}
RUN_SORTS = {"id": PlaybookRun.id, "created_at": PlaybookRun.created_at}


def definition_of(playbook: Playbook) -> PlaybookDefinition:
    return PlaybookDefinition.model_validate(playbook.definition)


def _definition(data: PlaybookWrite, *, policy: OutboundPolicy) -> PlaybookDefinition:
    definition = PlaybookDefinition(
        trigger=data.trigger, conditions=data.conditions, actions=data.actions
    )
    for action in definition.actions:
        if isinstance(action, WebhookAction):
            check_configured_url(action.url, policy)
    return definition


def _check_name(session: Session, name: str, playbook_id: int | None) -> None:
    with session.no_autoflush:
        taken = session.scalar(select(Playbook.id).where(Playbook.name == name))
    if taken is not None and taken != playbook_id:
        raise Conflict(f"a playbook named {name!r} already exists", field="name")


def _store(session: Session, playbook: Playbook) -> Playbook:
    try:
        with session.begin_nested():
            session.add(playbook)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a playbook named {playbook.name!r} already exists", field="name") from None
    return playbook


def create_playbook(
    session: Session,
    *,
    workspace_id: int,
    data: PlaybookWrite,
    created_by_id: int | None,
    policy: OutboundPolicy,
) -> Playbook:
    """`policy`: the installation's outbound-HTTP policy, which webhook URLs must pass."""
    definition = _definition(data, policy=policy)
    _check_name(session, data.name, None)
    now = utcnow()
    playbook = Playbook(
        workspace_id=workspace_id,
        name=data.name,
        description=data.description,
        enabled=data.enabled,
        trigger_type=definition.trigger.type,
        definition=definition.model_dump(mode="json"),
        webhook_secret=secrets.token_urlsafe(32),
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    return _store(session, playbook)


def get_playbook(session: Session, *, playbook_id: int) -> Playbook:
    playbook = session.scalar(select(Playbook).where(Playbook.id == playbook_id))
    if playbook is None:
        raise NotFound(f"playbook {playbook_id} not found")
    return playbook


def replace_playbook(
    session: Session, *, playbook_id: int, data: PlaybookWrite, policy: OutboundPolicy
) -> Playbook:
    """Replace the definition. A changed trigger starts afresh: its open episodes are
    dropped, so accounts already in the new condition fire at the next check."""
    playbook = get_playbook(session, playbook_id=playbook_id)
    definition = _definition(data, policy=policy)
    _check_name(session, data.name, playbook.id)
    new_trigger = definition.trigger.model_dump(mode="json")
    if new_trigger != playbook.definition.get("trigger"):
        for episode in session.scalars(
            select(PlaybookEpisode).where(PlaybookEpisode.playbook_id == playbook.id)
        ):
            session.delete(episode)
    playbook.name = data.name
    playbook.description = data.description
    playbook.enabled = data.enabled
    playbook.trigger_type = definition.trigger.type
    playbook.definition = definition.model_dump(mode="json")
    playbook.updated_at = utcnow()
    session.flush()
    return playbook


def set_enabled(session: Session, *, playbook_id: int, enabled: bool) -> Playbook:
    """Switch a playbook on or off. Switching it on keeps its episodes: an account whose
    episode was open when it was switched off does not fire again for the same episode."""
    playbook = get_playbook(session, playbook_id=playbook_id)
    if playbook.enabled != enabled:
        playbook.enabled = enabled
        playbook.updated_at = utcnow()
        session.flush()
    return playbook


def delete_playbook(session: Session, *, playbook_id: int) -> None:
    """Delete the playbook and its episodes; its runs stay in the log (playbook_id null)."""
    session.delete(get_playbook(session, playbook_id=playbook_id))
    session.flush()


def list_playbooks(session: Session, *, page: PageRequest) -> Page[Playbook]:
    return paginate(
        session,
        select(Playbook),
        request=page,
        sortable=PLAYBOOK_SORTS,
        id_column=Playbook.id,
        default_sort="id",
    )


def open_episode_counts(session: Session, *, playbook_ids: list[int]) -> dict[int, int]:
    if not playbook_ids:
        return {}
    rows = session.execute(
        select(PlaybookEpisode.playbook_id, func.count())
        .where(PlaybookEpisode.playbook_id.in_(playbook_ids), PlaybookEpisode.is_open.is_(True))
        .group_by(PlaybookEpisode.playbook_id)
    )
    return {int(playbook_id): int(count) for playbook_id, count in rows}


def list_runs(
    session: Session,
    *,
    page: PageRequest,
    playbook_id: int | None = None,
    account_id: int | None = None,
) -> Page[PlaybookRun]:
    """The run log, newest first."""
    statement = select(PlaybookRun)
    if playbook_id is not None:
        get_playbook(session, playbook_id=playbook_id)
        statement = statement.where(PlaybookRun.playbook_id == playbook_id)
    if account_id is not None:
        statement = statement.where(PlaybookRun.account_id == account_id)
    return paginate(
        session,
        statement,
        request=page,
        sortable=RUN_SORTS,
        id_column=PlaybookRun.id,
        default_sort="-id",
    )


def get_run(session: Session, *, run_id: int) -> PlaybookRun:
    run = session.scalar(select(PlaybookRun).where(PlaybookRun.id == run_id))
    if run is None:
        raise NotFound(f"playbook run {run_id} not found")
    return run


def record_nps_signal(
    session: Session, *, workspace_id: int, data: NpsSignal, now: datetime
) -> NpsResponseRecorded:
    """Publish an NPS answer for `nps_detractor` playbooks (the stand-in for surveys)."""
    account = get_account(session, account_id=data.account_id)
    contact_id = None
    if data.contact_id is not None:
        try:
            contact = get_contact(session, contact_id=data.contact_id)
        except NotFound:
            raise ValidationFailed(
                f"contact {data.contact_id} is not a contact of this workspace", field="contact_id"
            ) from None
        if contact.account_id != account.id:
            raise ValidationFailed(
                f"contact {data.contact_id} does not belong to account {account.id}",
                field="contact_id",
            )
        contact_id = contact.id
    event = NpsResponseRecorded(
        workspace_id=workspace_id,
        account_id=account.id,
        contact_id=contact_id,
        score=data.score,
        responded_at=data.responded_at or now,
    )
    publish(session, event)
    return event


def pending_enrolments(
    session: Session, *, survey: str | None = None, limit: int = 500
) -> list[SurveyEnrolment]:
    """Enrolments the survey engine has not processed yet, oldest first."""
    statement = select(SurveyEnrolment).where(SurveyEnrolment.status == "pending")
    if survey is not None:
        statement = statement.where(SurveyEnrolment.survey == survey)
    return list(session.scalars(statement.order_by(SurveyEnrolment.id).limit(limit)))


def mark_enrolment_processed(session: Session, *, enrolment_id: int, status: str = "sent") -> None:
    row = session.scalar(select(SurveyEnrolment).where(SurveyEnrolment.id == enrolment_id))
    if row is None:
        raise NotFound(f"survey enrolment {enrolment_id} not found")
    row.status = status
    row.processed_at = utcnow()
    session.flush()
