"""Triggers inside the ticket transaction, called by `tickets.hooks.after_ticket_change`.

The ticket as it is now and as it was before the change become snapshots, `run_triggers`
decides, and `outcome.apply_as_system` writes the result through the ticket services with the
`APPLYING_RULES` flag set, so those nested changes refresh SLAs but never run triggers again.
Each fired trigger leaves a `ticket_rule_runs` row, so agents can see why a field changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.service.automations import config
from cxhub.service.automations.conditions import TRIGGER_EVENTS
from cxhub.service.automations.engine import TriggerRun, may_fire_on, run_triggers
from cxhub.service.automations.models import TicketRuleRun
from cxhub.service.automations.outcome import Skip, apply_as_system, rules_are_being_applied
from cxhub.service.automations.rules import Automation, TicketSnapshot, Trigger
from cxhub.service.automations.snapshots import snapshot_before, snapshot_of
from cxhub.service.tickets.hooks import TicketChange, account_of, requester_of
from cxhub.service.tickets.models import Ticket

log = logging.getLogger(__name__)

#: Snapshot fields read from the requester and their account rather than the ticket.
PEOPLE_FIELDS = frozenset(
    {"requester_email", "requester_name", "requester_locale", "account_name", "account_tier"}
)


def run_ticket_triggers(session: Session, *, ticket: Ticket, change: TicketChange) -> None:
    if rules_are_being_applied(session) or change.event not in TRIGGER_EVENTS:
        return
    # Only triggers that can fire on this event: a note, say, usually concerns none, and then
    # no snapshot (requester, account) is built inside the write transaction.
    triggers = [t for t in config.active_triggers(session) if may_fire_on(t, change.event)]
    if not triggers:
        return
    # The requester and account (two reads) and their e-mail (a third) are needed to decide only
    # when a condition tests them; otherwise they are read only if something fires, for the
    # actions and templates, in a second run that fires the same triggers.
    tested = {c.field for trigger in triggers for _, _, c in trigger.conditions()}
    with_requester = not tested.isdisjoint(PEOPLE_FIELDS)
    with_email = "requester_email" in tested
    after, run = _run(session, ticket, change, triggers, with_requester, with_email)
    if not run.fired:
        return
    if not (with_requester and with_email):
        after, run = _run(session, ticket, change, triggers, True, True)
    if run.capped:
        log.warning("trigger run on ticket %s hit the firing cap", ticket.id)
    skipped = apply_as_system(
        session, ticket=ticket, current=after, target=run.ticket, side_effects=run.side_effects
    )
    by_id = {trigger.id: trigger for trigger in triggers}
    record_rule_runs(
        session,
        ticket=ticket,
        kind="trigger",
        event=change.event,
        fired=[by_id[i] for i in run.fired],
        changed=run.changed_fields,
        skipped=skipped,
    )


def _run(
    session: Session,
    ticket: Ticket,
    change: TicketChange,
    triggers: list[Trigger],
    with_requester: bool,
    with_email: bool,
) -> tuple[TicketSnapshot, TriggerRun]:
    after = snapshot_of(
        session,
        ticket,
        contact=requester_of(session, ticket) if with_requester else None,
        account=account_of(session, ticket) if with_requester else None,
        with_requester=with_requester,
        with_email=with_email,
    )
    before = snapshot_before(after, change.before) if change.before is not None else None
    run = run_triggers(
        triggers,
        event=change.event,
        before=before,
        after=after,
        message_text=change.message.body_text if change.message is not None else None,
    )
    return after, run


def record_rule_runs(
    session: Session,
    *,
    ticket: Ticket,
    kind: str,
    event: str,
    fired: Sequence[Trigger | Automation],
    changed: Sequence[str],
    skipped: Sequence[Skip],
) -> None:
    """One audit row per fired rule. Field changes of a run are merged by the engine, so the
    run's changed fields and run-wide skips are recorded on its last rule."""
    for index, rule in enumerate(fired):
        last = index == len(fired) - 1
        reasons = [reason for rule_id, reason in skipped if rule_id == rule.id]
        if last:
            reasons = [reason for rule_id, reason in skipped if rule_id is None] + reasons
        session.add(
            TicketRuleRun(
                workspace_id=ticket.workspace_id,
                ticket_id=ticket.id,
                rule_kind=kind,
                rule_id=rule.id,
                rule_name=rule.name,
                event=event,
                changed_fields=list(changed) if last else [],
                skipped=reasons,
            )
        )
    session.flush()


def ticket_rule_runs(session: Session, *, ticket_id: int) -> list[TicketRuleRun]:
    return list(
        session.scalars(
            select(TicketRuleRun)
            .where(TicketRuleRun.ticket_id == ticket_id)
            .order_by(TicketRuleRun.id)
        )
    )
