"""Next-best-action routes: a customer's ranked actions, the workspace queue, decisions
(taken / dismissed / snoozed) and their outcomes (docs/experience.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.core.pagination import MAX_LIMIT
from cxhub.core.permissions import Permission
from cxhub.experience.nextaction import service
from cxhub.experience.nextaction.schemas import (
    DecisionIn,
    DecisionOut,
    DecisionsOut,
    NextActionOut,
    NextActionsOut,
    OutcomeIn,
)

router = APIRouter(route_class=TransactionalRoute, tags=["next best action"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _actions(
    request: Request,
    session: DbSession,
    principal: Principal,
    customer: service.Customer,
    limit: int,
) -> NextActionsOut:
    found = service.next_actions(
        session,
        workspace_id=principal.workspace_id,
        customer=customer,
        now=utcnow(),
        data_dir=get_runtime(request).settings.data_dir,
        writer=get_runtime(request).session_factory,
        limit=limit,
    )
    return NextActionsOut(items=[NextActionOut.of(a) for a in found])


@router.get("/next-actions", response_model=NextActionsOut)
def workspace_queue(
    request: Request,
    session: DbSession,
    limit: Limit = 50,
    principal: Principal = require(Permission.CUSTOMERS_READ),
) -> NextActionsOut:
    """The workspace's best actions across customers (tickets, detractors, renewals,
    sentiment, and seats and add-on guides from the 500 largest expansion opportunities)."""
    return _actions(request, session, principal, service.Customer(), limit)


@router.get("/contacts/{contact_id}/next-actions", response_model=NextActionsOut)
def contact_actions(
    request: Request,
    contact_id: int,
    session: DbSession,
    limit: Limit = 20,
    principal: Principal = require(Permission.CUSTOMERS_READ),
) -> NextActionsOut:
    """The contact's actions and their account's account-level actions, best first."""
    customer = service.resolve_customer(session, contact_id=contact_id, account_id=None)
    return _actions(request, session, principal, customer, limit)


@router.get("/accounts/{account_id}/next-actions", response_model=NextActionsOut)
def account_actions(
    request: Request,
    account_id: int,
    session: DbSession,
    limit: Limit = 20,
    principal: Principal = require(Permission.CUSTOMERS_READ),
) -> NextActionsOut:
    """The account's actions and those of its contacts, best first."""
    customer = service.resolve_customer(session, contact_id=None, account_id=account_id)
    return _actions(request, session, principal, customer, limit)


@router.post("/next-actions/decisions", response_model=DecisionOut, status_code=201)
def decide(
    request: Request,
    data: DecisionIn,
    session: DbSession,
    principal: Principal = require(Permission.CUSTOMERS_WRITE),
) -> DecisionOut:
    """Take, dismiss or snooze an action offered now to a contact or an account. A dismissed
    or taken action is not offered again until its signal changes; a snoozed one until the
    snooze ends."""
    customer = service.resolve_customer(
        session, contact_id=data.contact_id, account_id=data.account_id
    )
    if customer.contact_id is None and customer.account_id is None:
        raise ValidationFailed("name the contact_id or the account_id", field="contact_id")
    row = service.record_decision(
        session,
        workspace_id=principal.workspace_id,
        customer=customer,
        action_key=data.action_key,
        status=data.status,
        snooze_days=data.snooze_days,
        user_id=principal.user_id,
        now=utcnow(),
        data_dir=get_runtime(request).settings.data_dir,
    )
    return DecisionOut.of(row)


@router.post("/next-actions/decisions/{decision_id}/outcome", response_model=DecisionOut)
def record_outcome(
    decision_id: int,
    data: OutcomeIn,
    session: DbSession,
    _: Principal = require(Permission.CUSTOMERS_WRITE),
) -> DecisionOut:
    """What came of the action later: replied, resolved, renewed, expanded, re_engaged,
    churned, no_response or other."""
    row = service.record_outcome(
        session, decision_id=decision_id, outcome=data.outcome, now=utcnow()
    )
    return DecisionOut.of(row)


@router.get("/next-actions/decisions", response_model=DecisionsOut)
def list_decisions(
    session: DbSession,
    contact_id: Annotated[int | None, Query(ge=1)] = None,
    account_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 20,
    _: Principal = require(Permission.CUSTOMERS_READ),
) -> DecisionsOut:
    """The latest decisions and their outcomes, of a customer or of the workspace."""
    customer = service.resolve_customer(session, contact_id=contact_id, account_id=account_id)
    rows = service.decisions_of(session, customer=customer, limit=limit)
    return DecisionsOut(items=[DecisionOut.of(r) for r in rows])
