"""Firing playbooks: observations in, episodes and runs out.

For each (playbook, account) observation, `episodes.next_step` decides: FIRE opens the
episode and runs every action (one `PlaybookRun` in the log), CONTINUE and IDLE change
nothing (an open episode's signal clock is refreshed), CLEAR closes the episode so the
playbook re-arms. The episode row per playbook × account (unique) is locked before it is
read, so two jobs observing the same account at once fire it once.

Event-driven triggers are observed from domain events (`handle_event`, run by a job after the
commit that raised the event); every trigger is observed by the hourly `evaluation.evaluate_workspace`,
which fires the scheduled triggers and ends event-driven episodes whose condition cleared.
Both are idempotent: observing the same state twice fires nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.core.events import publish
from cxhub.customers.accounts import service as accounts
from cxhub.people.service import get_user
from cxhub.service.sla.events import SlaBreached
from cxhub.service.tickets.events import TicketCreated
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.playbooks import signals
from cxhub.success.playbooks.actions import RunContext, apply_action
from cxhub.success.playbooks.definition import (
    AccountFacts,
    HealthBandTrigger,
    NpsDetractorTrigger,
    PlaybookDefinition,
    RepeatedTicketsTrigger,
    SlaBreachTrigger,
    conditions_hold,
    placeholder_values,
)
from cxhub.success.playbooks.episodes import Step, next_step
from cxhub.success.playbooks.events import NpsResponseRecorded, PlaybookFired
from cxhub.success.playbooks.models import Playbook, PlaybookEpisode, PlaybookRun
from cxhub.success.playbooks.service import definition_of

OK_STATUSES = frozenset({"done", "queued", "sent"})


def account_facts(session: Session, account_ids: Iterable[int]) -> dict[int, AccountFacts]:
    found = accounts.get_accounts(session, account_ids=set(account_ids))
    owners: dict[int, str] = {}
    result = {}
    for account_id, account in found.items():
        owner_name = ""
        if account.owner_id is not None:
            if account.owner_id not in owners:
                try:
                    owners[account.owner_id] = get_user(session, user_id=account.owner_id).name
                except NotFound:
                    owners[account.owner_id] = ""
            owner_name = owners[account.owner_id]
        result[account_id] = AccountFacts(
            account_id=account.id,
            name=account.name,
            tier=account.tier,
            industry=account.industry,
            country=account.country,
            tags=frozenset(accounts.account_tags(account)),
            owner_id=account.owner_id,
            owner_name=owner_name,
        )
    return result


def episode_of(session: Session, playbook_id: int, account_id: int) -> PlaybookEpisode | None:
    return session.scalar(
        select(PlaybookEpisode)
        .where(PlaybookEpisode.playbook_id == playbook_id, PlaybookEpisode.account_id == account_id)
        .with_for_update()
    )


def _new_episode(session: Session, playbook: Playbook, account_id: int) -> PlaybookEpisode | None:
    """A closed episode row to open; None when a concurrent job created it first."""
    episode = PlaybookEpisode(
        workspace_id=playbook.workspace_id,
        playbook_id=playbook.id,
        account_id=account_id,
        is_open=False,
        fired_count=0,
    )
    try:
        with session.begin_nested():
            session.add(episode)
            session.flush()
    except IntegrityError:
        return None
    return episode


def _status(outcomes: list[dict[str, Any]]) -> str:
    ok = sum(1 for o in outcomes if o["status"] in OK_STATUSES)
    if ok == len(outcomes):
        return "succeeded"
    return "partial" if ok else "failed"


def _fire(
    session: Session,
    playbook: Playbook,
    definition: PlaybookDefinition,
    facts: AccountFacts,
    observation: signals.Observation,
    context: RunContext,
) -> PlaybookRun:
    run = PlaybookRun(
        workspace_id=playbook.workspace_id,
        playbook_id=playbook.id,
        playbook_name=playbook.name,
        account_id=facts.account_id,
        trigger_type=definition.trigger.type,
        summary=observation.summary[:500],
        facts=observation.facts,
        actions=[],
        status="running",
        created_at=context.now,
    )
    session.add(run)
    session.flush()
    values = placeholder_values(
        facts, playbook_name=playbook.name, summary=run.summary, public_url=context.public_url
    )
    outcomes = [
        apply_action(
            session,
            index=index,
            action=action,
            run=run,
            facts=facts,
            values=values,
            context=context,
        )
        for index, action in enumerate(definition.actions)
    ]
    run.actions = outcomes
    run.status = _status(outcomes)
    session.flush()
    publish(
        session,
        PlaybookFired(
            workspace_id=playbook.workspace_id,
            playbook_id=playbook.id,
            run_id=run.id,
            account_id=facts.account_id,
            trigger_type=run.trigger_type,
            status=run.status,
        ),
    )
    return run


def observe(
    session: Session,
    *,
    playbook: Playbook,
    definition: PlaybookDefinition,
    facts: AccountFacts,
    observation: signals.Observation,
    context: RunContext,
) -> PlaybookRun | None:
    """Apply one observation to one playbook × account; the run when it fired."""
    holds = observation.holds
    if holds and not conditions_hold(definition.conditions, facts):
        holds = False
    episode = episode_of(session, playbook.id, facts.account_id)
    step = next_step(episode_open=bool(episode and episode.is_open), holds=holds)
    if step == Step.IDLE:
        return None
    if step == Step.CONTINUE:
        if episode is not None and observation.signal:
            episode.last_signal_at = context.now
        return None
    assert episode is not None or step == Step.FIRE
    if step == Step.CLEAR:
        assert episode is not None
        episode.is_open = False
        episode.cleared_at = context.now
        session.flush()
        return None
    if episode is None:
        episode = _new_episode(session, playbook, facts.account_id)
        if episode is None:  # created (and opened) by a concurrent job
            return None
    episode.is_open = True
    episode.opened_at = context.now
    episode.cleared_at = None
    episode.last_signal_at = context.now if observation.signal else None
    episode.fired_count += 1
    run = _fire(session, playbook, definition, facts, observation, context)
    episode.last_run_id = run.id
    session.flush()
    return run


def enabled_playbooks(session: Session, trigger_types: Iterable[str]) -> list[Playbook]:
    return list(
        session.scalars(
            select(Playbook)
            .where(Playbook.enabled.is_(True), Playbook.trigger_type.in_(list(trigger_types)))
            .order_by(Playbook.id)
        )
    )


EVENT_TRIGGERS = {
    HealthBandChanged.name: "health_band",
    SlaBreached.name: "sla_breach",
    TicketCreated.name: "repeated_tickets",
    NpsResponseRecorded.name: "nps_detractor",
}


def any_playbook_reacts_to(session: Session, *, workspace_id: int, event_name: str) -> bool:
    """Whether an enabled playbook's trigger reacts to the event: most workspaces enable none
    for most events, and the job asks this in a read-only session first, so such an event never
    takes SQLite's write lock (ADR 0035)."""
    trigger_type = EVENT_TRIGGERS.get(event_name)
    if trigger_type is None:
        return False
    enabled = select(Playbook.id).where(
        Playbook.workspace_id == workspace_id,
        Playbook.enabled.is_(True),
        Playbook.trigger_type == trigger_type,
    )
    return session.scalar(select(enabled.exists())) is True


def _observation_for(
    session: Session,
    definition: PlaybookDefinition,
    event_name: str,
    data: dict[str, Any],
    context: RunContext,
) -> signals.Observation | None:
    trigger = definition.trigger
    if isinstance(trigger, HealthBandTrigger):
        return signals.health_event(session, trigger, HealthBandChanged.model_validate(data))
    if isinstance(trigger, SlaBreachTrigger):
        return signals.sla_event(session, SlaBreached.model_validate(data))
    if isinstance(trigger, NpsDetractorTrigger):
        return signals.nps_event(trigger, NpsResponseRecorded.model_validate(data))
    if isinstance(trigger, RepeatedTicketsTrigger):
        account_id = data.get("account_id")
        if account_id is None:
            return None
        return signals.repeated_tickets(
            session,
            trigger,
            workspace_id=context.workspace_id,
            account_id=int(account_id),
            now=context.now,
        )
    return None


def handle_event(
    session: Session, *, event_name: str, data: dict[str, Any], context: RunContext
) -> list[PlaybookRun]:
    """Observe one domain event with every enabled playbook whose trigger reacts to it."""
    trigger_type = EVENT_TRIGGERS.get(event_name)
    if trigger_type is None:
        return []
    runs = []
    for playbook in enabled_playbooks(session, [trigger_type]):
        definition = definition_of(playbook)
        observation = _observation_for(session, definition, event_name, data, context)
        if observation is None:
            continue
        facts = account_facts(session, [observation.account_id]).get(observation.account_id)
        if facts is None:
            continue
        run = observe(
            session,
            playbook=playbook,
            definition=definition,
            facts=facts,
            observation=observation,
            context=context,
        )
        if run is not None:
            runs.append(run)
    return runs
