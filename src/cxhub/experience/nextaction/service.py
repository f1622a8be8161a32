"""Next best actions of a customer or of the workspace, and the decisions taken on them.

Actions are computed on read (signals.py → rules.py) so they always reflect the live signal;
only decisions are stored. Recording a decision re-derives the action from the live signals,
so a client cannot decide on an action that is not (or no longer) offered, and the stored
fingerprint is the one the person saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.experience.nextaction.models import NextActionDecision
from cxhub.experience.nextaction.rules import Decision, NextAction, Signal, customer_key, rank
from cxhub.experience.nextaction.signals import (
    experience_signals,
    service_signals,
    success_signals,
)

MAX_SNOOZE_DAYS = 90
QUEUE_LIMIT = 100


class DecisionStatus(StrEnum):
    TAKEN = "taken"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"


class Outcome(StrEnum):
    REPLIED = "replied"
    RESOLVED = "resolved"
    RENEWED = "renewed"
    EXPANDED = "expanded"
    RE_ENGAGED = "re_engaged"
    CHURNED = "churned"
    NO_RESPONSE = "no_response"
    OTHER = "other"


@dataclass(frozen=True)
class Customer:
    """Whose actions: a contact (with its account's account-level actions) or an account (with
    its contacts' actions); neither = the whole workspace."""

    contact_id: int | None = None
    account_id: int | None = None


def resolve_customer(
    session: Session, *, contact_id: int | None, account_id: int | None
) -> Customer:
    if contact_id is not None and account_id is not None:
        raise ValidationFailed("give contact_id or account_id, not both", field="contact_id")
    if contact_id is not None:
        contact = contacts.get_contact(session, contact_id=contact_id)
        return Customer(contact.id, contact.account_id)
    if account_id is not None:
        return Customer(None, accounts.get_account(session, account_id=account_id).id)
    return Customer()


def gather_signals(
    session: Session,
    *,
    workspace_id: int,
    customer: Customer,
    now: datetime,
    data_dir: Path,
    writer: sessionmaker[Session] | None = None,
) -> list[Signal]:
    """`writer`: a session factory the expansion snapshot may be stored through (reads)."""
    person_only = customer.contact_id is not None
    # A contact's own service/experience signals; an account's cover all its contacts.
    scope = {
        "contact_id": customer.contact_id,
        "account_id": None if person_only else customer.account_id,
    }
    found = service_signals(session, workspace_id=workspace_id, now=now, **scope)
    found += experience_signals(session, workspace_id=workspace_id, now=now, **scope)
    whole_workspace = customer.contact_id is None and customer.account_id is None
    if customer.account_id is not None or whole_workspace:
        found += success_signals(
            session,
            workspace_id=workspace_id,
            now=now,
            account_id=customer.account_id,
            data_dir=data_dir,
            writer=writer,
        )
    return found


def _decisions(session: Session, keys: set[str]) -> dict[tuple[str, str], Decision]:
    if not keys:
        return {}
    rows = session.scalars(
        select(NextActionDecision).where(NextActionDecision.customer_key.in_(sorted(keys)))
    )
    return {
        (r.customer_key, r.action_key): Decision(r.status, r.fingerprint, r.snoozed_until)
        for r in rows
    }


def next_actions(
    session: Session,
    *,
    workspace_id: int,
    customer: Customer,
    now: datetime,
    data_dir: Path,
    limit: int = QUEUE_LIMIT,
    writer: sessionmaker[Session] | None = None,
) -> list[NextAction]:
    signals = gather_signals(
        session,
        workspace_id=workspace_id,
        customer=customer,
        now=now,
        data_dir=data_dir,
        writer=writer,
    )
    keys = {customer_key(s.kind, s.contact_id, s.account_id) for s in signals}
    return rank(signals, _decisions(session, keys), now=now)[:limit]


def record_decision(
    session: Session,
    *,
    workspace_id: int,
    customer: Customer,
    action_key: str,
    status: DecisionStatus,
    snooze_days: int | None,
    user_id: int | None,
    now: datetime,
    data_dir: Path,
) -> NextActionDecision:
    if status == DecisionStatus.SNOOZED:
        if snooze_days is None or not 1 <= snooze_days <= MAX_SNOOZE_DAYS:
            raise ValidationFailed(f"a snooze lasts 1–{MAX_SNOOZE_DAYS} days", field="snooze_days")
    elif snooze_days is not None:
        raise ValidationFailed("snooze_days goes with status snoozed only", field="snooze_days")
    offered = {
        a.key: a
        for a in next_actions(
            session, workspace_id=workspace_id, customer=customer, now=now, data_dir=data_dir
        )
    }
    action = offered.get(action_key)
    if action is None:
        raise NotFound(f"action {action_key} is not offered to this customer now")
    row = session.scalar(
        select(NextActionDecision).where(
            NextActionDecision.customer_key == action.customer_key,
            NextActionDecision.action_key == action.key,
        )
    )
    if row is None:
        row = NextActionDecision(customer_key=action.customer_key, action_key=action.key)
        session.add(row)
    row.contact_id = action.contact_id if action.customer_key.startswith("contact:") else None
    row.account_id = action.account_id
    row.kind = action.kind.value
    row.fingerprint = action.fingerprint
    row.status = status.value
    row.snoozed_until = now + timedelta(days=snooze_days) if snooze_days else None
    row.outcome = None
    row.outcome_at = None
    row.decided_by_id = user_id
    row.decided_at = now
    session.flush()
    return row


def get_decision(session: Session, *, decision_id: int) -> NextActionDecision:
    row = session.scalar(select(NextActionDecision).where(NextActionDecision.id == decision_id))
    if row is None:
        raise NotFound(f"decision {decision_id} not found")
    return row


def record_outcome(
    session: Session, *, decision_id: int, outcome: Outcome, now: datetime
) -> NextActionDecision:
    """What came of a taken action (or of a dismissed one: a churn is worth knowing too)."""
    row = get_decision(session, decision_id=decision_id)
    if row.status == DecisionStatus.SNOOZED.value:
        raise ValidationFailed("a snoozed action has no outcome yet", field="outcome")
    row.outcome = outcome.value
    row.outcome_at = now
    session.flush()
    return row


def decisions_of(
    session: Session, *, customer: Customer, limit: int = 20
) -> list[NextActionDecision]:
    """The latest decisions about a customer (for a contact, also its account's)."""
    statement = select(NextActionDecision)
    conditions = []
    if customer.contact_id is not None:
        conditions.append(NextActionDecision.contact_id == customer.contact_id)
    if customer.account_id is not None:
        if customer.contact_id is None:
            conditions.append(NextActionDecision.account_id == customer.account_id)
        else:
            conditions.append(NextActionDecision.customer_key == f"account:{customer.account_id}")
    if conditions:
        statement = statement.where(or_(*conditions))
    return list(
        session.scalars(
            statement.order_by(
                NextActionDecision.decided_at.desc(), NextActionDecision.id.desc()
            ).limit(limit)
        )
    )


def export_for_contact(
    session: Session, *, contact_ids: tuple[int, ...]
) -> list[NextActionDecision]:
    if not contact_ids:
        return []
    return list(
        session.scalars(
            select(NextActionDecision)
            .where(NextActionDecision.contact_id.in_(contact_ids))
            .order_by(NextActionDecision.id)
        )
    )


def delete_for_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Erasure: decisions about a person go with them."""
    if not contact_ids:
        return 0
    result = session.execute(
        delete(NextActionDecision)
        .where(NextActionDecision.contact_id.in_(contact_ids))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
