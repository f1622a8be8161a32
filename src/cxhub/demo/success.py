"""The demo's customer-success layer: contracts from the CRM attributes, today's health
scores, three playbooks, a few CSM tasks and the playbook runs of the first hourly check, so
the CSM cockpit opens on real work (docs/demo.md).

Everything goes through the success services (subscriptions, health, tasks, playbooks), so the
timeline, the episodes and the run log are exactly what a real workspace would hold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cxhub.core.outbound_http import OutboundPolicy
from cxhub.demo.company import PRICE_PER_SEAT
from cxhub.demo.dataset import DemoDataset
from cxhub.success.health.rescore import rescore_workspace
from cxhub.success.playbooks import service as playbooks
from cxhub.success.playbooks.actions import RunContext
from cxhub.success.playbooks.evaluation import evaluate_workspace
from cxhub.success.playbooks.schemas import PlaybookWrite
from cxhub.success.subscriptions.models import Subscription
from cxhub.success.subscriptions.schemas import SubscriptionCreate
from cxhub.success.subscriptions.service import upsert_subscription
from cxhub.success.tasks.models import TaskPriority
from cxhub.success.tasks.schemas import TaskCreate
from cxhub.success.tasks.service import create_task

PLAYBOOKS: tuple[dict[str, object], ...] = (
    {
        "name": "At-risk account: call within two days",
        "description": "Health fell into the poor band: the owner calls the sponsor.",
        "trigger": {"type": "health_band", "bands": ["poor"]},
        "actions": [
            {
                "type": "create_task",
                "title": "Call {{ account.name }}: health is poor",
                "notes": "{{ trigger.summary }}. Find out what changed and agree next steps.",
                "due_in_days": 2,
                "priority": "high",
            },
            {"type": "tag_account", "tags": ["at-risk"]},
        ],
    },
    {
        "name": "Renewal in 60 days: prepare the review",
        "description": "Every open contract renewing within 60 days gets a renewal review task.",
        "trigger": {"type": "renewal_due", "days": 60},
        "actions": [
            {
                "type": "create_task",
                "title": "Renewal review for {{ account.name }}",
                "notes": "{{ trigger.summary }}",
                "due_in_days": 7,
            }
        ],
    },
    {
        "name": "Key account SLA breach",
        "description": "An SLA breach on an enterprise account: the owner follows up.",
        "trigger": {"type": "sla_breach", "window_days": 7},
        "conditions": [{"field": "tier", "op": "in", "value": ["enterprise"]}],
        "actions": [
            {
                "type": "create_task",
                "title": "Follow up the SLA breach at {{ account.name }}",
                "due_in_days": 1,
                "priority": "urgent",
            }
        ],
    },
)

MANUAL_TASKS = (
    ("Send the quarterly business review deck", -3, TaskPriority.NORMAL),
    ("Check in after the onboarding workshop", 2, TaskPriority.NORMAL),
    ("Introduce the new admin to the reporting features", 12, TaskPriority.LOW),
)


@dataclass(frozen=True)
class SuccessCounts:
    subscriptions: int
    scored: int
    playbooks: int
    runs: int
    tasks: int


def _subscriptions(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    account_ids: dict[str, int],
    today: date,
) -> int:
    """One contract per current customer, from its CRM attributes (plan, seats, start,
    renewal); skipped when the workspace already holds subscriptions."""
    if session.scalar(select(func.count()).select_from(Subscription)):
        return 0
    created = 0
    for account in dataset.accounts:
        attributes = account.custom_attributes
        if attributes.get("lifecycle") != "customer":
            continue
        plan = str(attributes["plan"])
        seats = int(str(attributes["seats"]))
        started = date.fromisoformat(str(attributes["customer_since"]))
        renewal = date.fromisoformat(str(attributes["renewal_date"]))
        if started > today:
            continue
        upsert_subscription(
            session,
            workspace_id=workspace_id,
            data=SubscriptionCreate(
                account_id=account_ids[account.external_id],
                plan=plan,
                currency="USD",
                mrr_cents=seats * PRICE_PER_SEAT[plan] * 100 // 12,
                seats=seats,
                started_on=started,
                renewal_on=renewal,
                external_id=f"demo-{account.external_id}",
            ),
            today=today,
        )
        created += 1
    return created


def _manual_tasks(
    session: Session,
    workspace_id: int,
    dataset: DemoDataset,
    account_ids: dict[str, int],
    owner_ids: dict[str, int],
    now: datetime,
    rng: random.Random,
) -> int:
    """A few hand-made tasks on each CSM's accounts: one overdue, one due soon, one later."""
    by_owner: dict[str, list[int]] = {}
    for account in dataset.accounts:
        by_owner.setdefault(account.owner_key, []).append(account_ids[account.external_id])
    made = 0
    for owner_key, owned in sorted(by_owner.items()):
        for (title, days, priority), account_id in zip(
            MANUAL_TASKS, rng.sample(owned, min(len(owned), len(MANUAL_TASKS))), strict=False
        ):
            create_task(
                session,
                workspace_id=workspace_id,
                data=TaskCreate(
                    account_id=account_id,
                    title=title,
                    owner_id=owner_ids[owner_key],
                    due_on=now.date() + timedelta(days=days),
                    priority=priority,
                ),
                created_by_id=owner_ids[owner_key],
                now=now,
            )
            made += 1
    return made


def _refresh_statistics(session: Session) -> None:
    """On PostgreSQL, let the planner see the rows this transaction just bulk-loaded: with the
    empty statistics of a fresh database it nests loops over every contact for each of the
    per-account lookups of the health rescore (seconds each instead of milliseconds).
    ANALYZE counts the transaction's own inserts; SQLite needs nothing here."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE accounts, contacts, contact_identifiers, interactions"))


def seed_success(
    session: Session,
    *,
    workspace_id: int,
    dataset: DemoDataset,
    account_ids: dict[str, int],
    owner_ids: dict[str, int],
    admin_id: int,
    data_dir: Path,
    public_url: str,
    now: datetime,
    seed: int,
) -> SuccessCounts:
    today = now.date()
    _refresh_statistics(session)
    contracts = _subscriptions(session, workspace_id, dataset, account_ids, today)
    scored = rescore_workspace(session, workspace_id=workspace_id, as_of=now, data_dir=data_dir)
    for definition in PLAYBOOKS:
        playbooks.create_playbook(
            session,
            workspace_id=workspace_id,
            data=PlaybookWrite.model_validate(definition),
            created_by_id=admin_id,
            policy=OutboundPolicy(),
        )
    tasks = _manual_tasks(
        session, workspace_id, dataset, account_ids, owner_ids, now, random.Random(seed)
    )
    evaluation = evaluate_workspace(
        session,
        context=RunContext(workspace_id, now, public_url, policy=OutboundPolicy()),
        data_dir=data_dir,
    )
    session.flush()
    return SuccessCounts(contracts, scored.scored, len(PLAYBOOKS), evaluation.fired, tasks)
