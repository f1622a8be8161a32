"""Recording touchpoints and reading a customer's timeline (newest first).

Other domains put their items on the timeline through `record_interaction`, naming themselves
in `source_type`/`source_id`, so the timeline never needs to know what a ticket or a survey is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.models import Account
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.service import get_contact, identify_contact
from cxhub.customers.timeline.events import InteractionRecorded
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.customers.timeline.schemas import InteractionCreate, InteractionUpdate

INTERACTION_SORTS = {"id": Interaction.id, "occurred_at": Interaction.occurred_at}


def record_interaction(
    session: Session,
    *,
    workspace_id: int,
    data: InteractionCreate,
    contact: Contact | None = None,
    account: Account | None = None,
) -> tuple[Interaction, bool]:
    """Store a touchpoint; returns (interaction, created). Re-sent external ids are no-ops.

    A caller that has already read `data.contact_id`'s contact (through `get_contact`, so a
    merged duplicate is already its survivor) or `data.account_id`'s account in this transaction
    passes it as `contact`/`account`, and it is not read again: tickets record several
    touchpoints per change, inside their write transaction."""
    if data.external_id is not None:
        existing = session.scalar(
            select(Interaction).where(Interaction.external_id == data.external_id)
        )
        if existing is not None:
            return existing, False
    contact_id = data.contact_id
    account_id = data.account_id
    if data.contact is not None:
        identified = identify_contact(session, workspace_id=workspace_id, data=data.contact)
        contact_id = identified.contact.id
    if contact_id is not None:
        if contact is None or data.contact is not None:
            contact = get_contact(session, contact_id=contact_id)
        contact_id = contact.id
        if account_id is None:
            account_id = contact.account_id
    if account_id is not None and (account is None or account.id != account_id):
        get_account(session, account_id=account_id)
    interaction = Interaction(
        workspace_id=workspace_id,
        kind=data.kind,
        channel=data.channel,
        occurred_at=data.occurred_at.astimezone(UTC),
        contact_id=contact_id,
        account_id=account_id,
        journey_stage=data.journey_stage,
        summary=data.summary,
        payload=data.payload,
        sentiment=data.sentiment,
        source_type=data.source_type,
        source_id=data.source_id,
        external_id=data.external_id,
    )
    if data.external_id is None:
        # Nothing unique to collide on: no savepoint (two statements fewer per touchpoint).
        session.add(interaction)
        session.flush()
        _published(session, workspace_id, interaction)
        return interaction, True
    session.flush()  # pending work (e.g. an identified contact) lands outside the savepoint
    try:
        with session.begin_nested():
            session.add(interaction)
    except IntegrityError:
        # A concurrent request stored the same external id first.
        existing = session.scalar(
            select(Interaction).where(Interaction.external_id == data.external_id)
        )
        if existing is None:
            raise
        return existing, False
    _published(session, workspace_id, interaction)
    return interaction, True


def _published(session: Session, workspace_id: int, interaction: Interaction) -> None:
    publish(
        session,
        InteractionRecorded(
            workspace_id=workspace_id,
            interaction_id=interaction.id,
            contact_id=interaction.contact_id,
            account_id=interaction.account_id,
            kind=interaction.kind,
            channel=interaction.channel.value,
        ),
    )


def get_interaction(session: Session, *, interaction_id: int) -> Interaction:
    interaction = session.scalar(select(Interaction).where(Interaction.id == interaction_id))
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} not found")
    return interaction


def list_interactions(
    session: Session,
    *,
    page: PageRequest,
    contact_id: int | None = None,
    account_id: int | None = None,
    channel: Channel | None = None,
    kind: str | None = None,
    journey_stage: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
) -> Page[Interaction]:
    statement: Select[tuple[Interaction]] = select(Interaction)
    if contact_id is not None:
        statement = statement.where(Interaction.contact_id == contact_id)
    if account_id is not None:
        statement = statement.where(Interaction.account_id == account_id)
    if channel is not None:
        statement = statement.where(Interaction.channel == channel)
    if kind is not None:
        statement = statement.where(Interaction.kind == kind)
    if journey_stage is not None:
        statement = statement.where(Interaction.journey_stage == journey_stage)
    if occurred_after is not None:
        statement = statement.where(Interaction.occurred_at >= occurred_after)
    if occurred_before is not None:
        statement = statement.where(Interaction.occurred_at < occurred_before)
    return paginate(
        session,
        statement,
        request=page,
        sortable=INTERACTION_SORTS,
        id_column=Interaction.id,
        default_sort="-occurred_at",
    )


def contact_timeline(session: Session, *, contact_id: int, page: PageRequest) -> Page[Interaction]:
    contact = get_contact(session, contact_id=contact_id)
    return list_interactions(
        session,
        page=PageRequest(page.limit, page.cursor, page.sort or "-occurred_at"),
        contact_id=contact.id,
    )


def account_timeline(session: Session, *, account_id: int, page: PageRequest) -> Page[Interaction]:
    account = get_account(session, account_id=account_id)
    return list_interactions(
        session,
        page=PageRequest(page.limit, page.cursor, page.sort or "-occurred_at"),
        account_id=account.id,
    )


def update_interaction(
    session: Session, *, interaction_id: int, data: InteractionUpdate
) -> Interaction:
    interaction = get_interaction(session, interaction_id=interaction_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(interaction, name, value if name != "payload" else (value or {}))
    session.flush()
    return interaction


def delete_interaction(session: Session, *, interaction_id: int) -> None:
    session.delete(get_interaction(session, interaction_id=interaction_id))
    session.flush()


def last_interaction_at(
    session: Session, *, account_ids: list[int] | None, kinds: list[str], before: datetime
) -> dict[int, datetime]:
    """The latest `occurred_at` before `before` of an interaction of one of `kinds`, per
    account (accounts without one are absent; every account of the workspace when
    `account_ids` is None)."""
    if account_ids is not None and not account_ids:
        return {}
    statement = (
        select(Interaction.account_id, func.max(Interaction.occurred_at))
        .where(
            Interaction.account_id.is_not(None),
            Interaction.kind.in_(kinds),
            Interaction.occurred_at < before,
        )
        .group_by(Interaction.account_id)
    )
    if account_ids is not None:
        statement = statement.where(Interaction.account_id.in_(account_ids))
    rows = session.execute(statement)
    return {int(account): at for account, at in rows if account is not None and at is not None}


def export_for_contact(session: Session, *, contact_id: int) -> list[Interaction]:
    """Every interaction on a contact's timeline, oldest first (data-subject export)."""
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.contact_id == contact_id)
            .order_by(Interaction.occurred_at, Interaction.id)
        )
    )
