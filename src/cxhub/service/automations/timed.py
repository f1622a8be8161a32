"""Time-based automations: one clock tick over a workspace's open and solved tickets.

Tickets are pre-filtered in SQL (never closed, merged or spam; only the statuses the active
automations can match when each of them names its statuses) and read in keyset batches by id, so
a large workspace is walked `BATCH_SIZE` tickets at a time. Each automation fires at most once
per ticket: the `automation_firings` rows are the engine's `already_fired`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.customers.accounts.service import get_accounts
from cxhub.customers.contacts.service import get_contacts
from cxhub.service.automations import config
from cxhub.service.automations.engine import run_automations
from cxhub.service.automations.models import AutomationFiring
from cxhub.service.automations.outcome import apply_as_system
from cxhub.service.automations.rules import Automation
from cxhub.service.automations.snapshots import snapshot_of
from cxhub.service.automations.triggers import record_rule_runs
from cxhub.service.tickets.models import Ticket, TicketStatus

BATCH_SIZE = 200


def candidate_statuses(automations: list[Automation]) -> set[str] | None:
    """The statuses a ticket must have for some automation to match, or None when an
    automation does not restrict the status in its `all` conditions."""
    wanted: set[str] = set()
    for automation in automations:
        allowed: set[str] | None = None
        for condition in automation.all:
            if condition.field != "status" or condition.op not in ("is", "in"):
                continue
            values = condition.value if isinstance(condition.value, list) else [condition.value]
            names = {str(v) for v in values}
            allowed = names if allowed is None else allowed & names
        if allowed is None:
            return None
        wanted |= allowed
    return wanted - {TicketStatus.CLOSED.value}


def _fired_markers(session: Session, ticket_ids: list[int]) -> dict[int, set[int]]:
    markers: dict[int, set[int]] = {}
    rows = session.execute(
        select(AutomationFiring.ticket_id, AutomationFiring.automation_id).where(
            AutomationFiring.ticket_id.in_(ticket_ids)
        )
    )
    for ticket_id, automation_id in rows:
        markers.setdefault(ticket_id, set()).add(automation_id)
    return markers


def run_workspace_automations(session: Session, *, now: datetime) -> int:
    """Evaluate every active automation on the workspace's candidate tickets at `now`; returns
    how many (automation, ticket) firings were recorded."""
    automations = config.active_automations(session)
    if not automations:
        return 0
    by_id = {automation.id: automation for automation in automations}
    statuses = candidate_statuses(automations)
    if statuses == set():
        return 0
    fired_total = 0
    last_id = 0
    while True:
        statement = (
            select(Ticket)
            .where(
                Ticket.id > last_id,
                Ticket.status != TicketStatus.CLOSED,
                Ticket.merged_into_id.is_(None),
                Ticket.is_spam.is_(False),
            )
            .order_by(Ticket.id)
            .limit(BATCH_SIZE)
        )
        if statuses is not None:
            statement = statement.where(Ticket.status.in_([TicketStatus(s) for s in statuses]))
        tickets = list(session.scalars(statement))
        if not tickets:
            return fired_total
        last_id = tickets[-1].id
        markers = _fired_markers(session, [t.id for t in tickets])
        contacts = get_contacts(session, contact_ids={t.requester_id for t in tickets})
        accounts = get_accounts(
            session, account_ids={t.account_id for t in tickets if t.account_id is not None}
        )
        for ticket in tickets:
            already = markers.get(ticket.id, set())
            if set(by_id) <= already:
                continue
            snapshot = snapshot_of(
                session,
                ticket,
                contact=contacts.get(ticket.requester_id),
                account=accounts.get(ticket.account_id) if ticket.account_id else None,
            )
            run = run_automations(automations, ticket=snapshot, now=now, already_fired=already)
            if not run.fired:
                continue
            skipped = apply_as_system(
                session,
                ticket=ticket,
                current=snapshot,
                target=run.ticket,
                side_effects=run.side_effects,
            )
            for automation_id in run.fired:
                session.add(
                    AutomationFiring(
                        workspace_id=ticket.workspace_id,
                        automation_id=automation_id,
                        ticket_id=ticket.id,
                        fired_at=now,
                    )
                )
            record_rule_runs(
                session,
                ticket=ticket,
                kind="automation",
                event="automation",
                fired=[by_id[i] for i in run.fired],
                changed=run.changed_fields,
                skipped=skipped,
            )
            fired_total += len(run.fired)
        session.flush()
        # Keep memory flat on large workspaces: the next batch is read afresh.
        session.expunge_all()
