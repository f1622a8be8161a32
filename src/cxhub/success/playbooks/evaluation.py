"""The hourly evaluation of a workspace's playbooks (job `playbooks.evaluate`).

Clock triggers (usage drop, seats near the limit, renewal due) and the latest health band are
observed for every account, in batches; open episodes of the other event-driven triggers are
re-checked so they can end (a quiet SLA or NPS window, fewer repeated tickets). Idempotent:
evaluating the same state twice fires nothing the second time.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.analytics import adoption
from cxhub.analytics.revenue import Renewal
from cxhub.customers.accounts import service as accounts
from cxhub.success.playbooks import signals
from cxhub.success.playbooks.actions import RunContext
from cxhub.success.playbooks.definition import (
    SCHEDULED_TRIGGERS,
    TRIGGER_TYPES,
    HealthBandTrigger,
    NpsDetractorTrigger,
    PlaybookDefinition,
    RenewalDueTrigger,
    RepeatedTicketsTrigger,
    SeatsNearLimitTrigger,
    SlaBreachTrigger,
    UsageDropTrigger,
    conditions_hold,
)
from cxhub.success.playbooks.episodes import Step, next_step
from cxhub.success.playbooks.models import Playbook, PlaybookEpisode
from cxhub.success.playbooks.runner import account_facts, enabled_playbooks, episode_of, observe
from cxhub.success.playbooks.service import definition_of

BATCH_SIZE = 200


@dataclass
class EvaluationSummary:
    playbooks: int = 0
    observations: int = 0
    fired: int = 0
    cleared: int = 0


def _open_episodes(session: Session, playbook_id: int) -> list[PlaybookEpisode]:
    return list(
        session.scalars(
            select(PlaybookEpisode)
            .where(PlaybookEpisode.playbook_id == playbook_id, PlaybookEpisode.is_open.is_(True))
            .order_by(PlaybookEpisode.account_id)
        )
    )


def _event_sweep(
    session: Session,
    playbook: Playbook,
    definition: PlaybookDefinition,
    context: RunContext,
) -> list[signals.Observation]:
    """Observations that may end (or, for health, open) event-driven episodes."""
    trigger = definition.trigger
    if isinstance(trigger, SlaBreachTrigger | NpsDetractorTrigger):
        horizon = context.now - timedelta(days=trigger.window_days)
        return [
            signals.Observation(
                e.account_id,
                e.last_signal_at is not None and e.last_signal_at >= horizon,
            )
            for e in _open_episodes(session, playbook.id)
        ]
    if isinstance(trigger, RepeatedTicketsTrigger):
        return [
            signals.repeated_tickets(
                session,
                trigger,
                workspace_id=context.workspace_id,
                account_id=e.account_id,
                now=context.now,
            )
            for e in _open_episodes(session, playbook.id)
        ]
    return []


def _apply_all(
    session: Session,
    playbook: Playbook,
    definition: PlaybookDefinition,
    observations: list[signals.Observation],
    context: RunContext,
    summary: EvaluationSummary,
) -> None:
    ids = [o.account_id for o in observations]
    known = (
        {
            e.account_id: e.is_open
            for e in session.scalars(
                select(PlaybookEpisode).where(
                    PlaybookEpisode.playbook_id == playbook.id, PlaybookEpisode.account_id.in_(ids)
                )
            )
        }
        if ids
        else {}
    )
    # Most accounts neither hold nor have an open episode: no work, no lock for them.
    relevant = [o for o in observations if o.holds or known.get(o.account_id)]
    summary.observations += len(observations)
    facts = account_facts(session, [o.account_id for o in relevant])
    for observation in relevant:
        account = facts.get(observation.account_id)
        if account is None:
            continue
        was_open = bool(known.get(account.account_id))
        holds = bool(observation.holds) and conditions_hold(definition.conditions, account)
        step = next_step(episode_open=was_open, holds=holds)
        if step in (Step.CONTINUE, Step.IDLE) and not observation.signal:
            continue  # an open episode goes on: nothing to write, no lock to take
        run = observe(
            session,
            playbook=playbook,
            definition=definition,
            facts=account,
            observation=observation,
            context=context,
        )
        summary.fired += run is not None
        if was_open:
            episode = episode_of(session, playbook.id, account.account_id)
            summary.cleared += episode is not None and not episode.is_open


def evaluate_workspace(
    session: Session, *, context: RunContext, data_dir: Path, batch_size: int = BATCH_SIZE
) -> EvaluationSummary:
    """The hourly check of every enabled playbook of the workspace (idempotent)."""
    summary = EvaluationSummary()
    playbooks = [(p, definition_of(p)) for p in enabled_playbooks(session, list(TRIGGER_TYPES))]
    summary.playbooks = len(playbooks)
    for playbook, definition in playbooks:
        if definition.trigger.type not in SCHEDULED_TRIGGERS:
            _apply_all(
                session,
                playbook,
                definition,
                _event_sweep(session, playbook, definition, context),
                context,
                summary,
            )
    batched = [
        (p, d)
        for p, d in playbooks
        if d.trigger.type in SCHEDULED_TRIGGERS or isinstance(d.trigger, HealthBandTrigger)
    ]
    if not batched:
        return summary
    with ExitStack() as stack:
        sources = _Sources(session, batched, context)
        if sources.usage_triggers:
            start, end = adoption.usage_window(context.now)
            sources.connection = stack.enter_context(
                adoption.open_events(
                    session,
                    workspace_id=context.workspace_id,
                    data_dir=data_dir,
                    start=start,
                    end=end,
                )
            )
        after = 0
        while batch := accounts.account_ids_batch(session, after_id=after, limit=batch_size):
            after = batch[-1]
            per_playbook = sources.observations(batch)
            for (playbook, definition), observations in zip(batched, per_playbook, strict=True):
                _apply_all(session, playbook, definition, observations, context, summary)
    return summary


class _Sources:
    """What the batched triggers read, loaded once per evaluation: the usage events (one
    DuckDB connection) and each renewal playbook's due renewals."""

    def __init__(
        self,
        session: Session,
        playbooks: list[tuple[Playbook, PlaybookDefinition]],
        context: RunContext,
    ) -> None:
        self.session = session
        self.playbooks = playbooks
        self.context = context
        self.connection: duckdb.DuckDBPyConnection | None = None
        self.usage_triggers: list[UsageDropTrigger | SeatsNearLimitTrigger] = [
            d.trigger
            for _, d in playbooks
            if isinstance(d.trigger, UsageDropTrigger | SeatsNearLimitTrigger)
        ]
        self.renewals: dict[int, dict[int, Renewal]] = {
            playbook.id: signals.soonest_renewals(
                session, d.trigger, workspace_id=context.workspace_id, today=context.now.date()
            )
            for playbook, d in playbooks
            if isinstance(d.trigger, RenewalDueTrigger)
        }

    def observations(self, account_ids: list[int]) -> list[list[signals.Observation]]:
        usage: dict[int, list[signals.Observation]] = {}
        if self.connection is not None:
            usage = signals.adoption_observations(
                self.session,
                self.usage_triggers,
                connection=self.connection,
                account_ids=account_ids,
                now=self.context.now,
            )
        result: list[list[signals.Observation]] = []
        usage_index = 0
        for playbook, definition in self.playbooks:
            trigger = definition.trigger
            if isinstance(trigger, UsageDropTrigger | SeatsNearLimitTrigger):
                result.append(usage[usage_index])
                usage_index += 1
            elif isinstance(trigger, RenewalDueTrigger):
                result.append(signals.renewals(self.renewals[playbook.id], account_ids=account_ids))
            elif isinstance(trigger, HealthBandTrigger):
                result.append(signals.health_now(self.session, trigger, account_ids))
            else:
                result.append([])
        return result
