"""The workspace's expansion opportunities, stored once computed (ADR 0044).

Why: every rule compares an account with the whole workspace's similar accounts, and the facts
read 30 days of product usage of every account (`analytics.expansion_inputs`): 0.85 s at 5,000
accounts, 6.8 s at 50,000, paid by every view of the expansion list, of an
account's expansion and of the next-best-action panel. The usage window moves by days, so one
computation serves the rest of its UTC day — unless the plan catalogue or a subscription
changed since (`inputs`), which is what a CSM has just done when they sold the seats.

Readers answer from the stored rows with SQL (rank order, action filter, totals). Storing
replaces the workspace's rows in one transaction under the snapshot row's lock (PostgreSQL) or
the write lock (SQLite); of two computations the one with the later `as_of` is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from cxhub.analytics.expansion import Opportunity, Reason
from cxhub.success.expansion.models import (
    ExpansionOpportunityRecord,
    ExpansionSnapshot,
    PlanCatalogueRecord,
)
from cxhub.success.subscriptions.models import Subscription

INSERT_BATCH = 1_000


@dataclass(frozen=True)
class Computed:
    """One computation of the whole workspace's opportunities, ranked."""

    as_of: datetime
    currency: str
    accounts_considered: int
    opportunities: list[Opportunity]
    seconds: float


def inputs_fingerprint(session: Session, *, workspace_id: int) -> str:
    """What a snapshot's validity hangs on besides the day: the catalogue's last save and the
    subscriptions' count and last change (a new or changed row has the latest `updated_at`,
    a deleted one lowers the count). Account records and product users are not in it
    (tracking `group` calls touch accounts all day); they count from the next computation."""
    catalogue_saved = session.scalar(
        select(PlanCatalogueRecord.updated_at).where(
            PlanCatalogueRecord.workspace_id == workspace_id
        )
    )
    count, changed = session.execute(
        select(func.count(), func.max(Subscription.updated_at)).where(
            Subscription.workspace_id == workspace_id
        )
    ).one()
    marker = f"{catalogue_saved}|{count}|{changed}"
    return hashlib.sha256(marker.encode()).hexdigest()


def stored(session: Session, *, workspace_id: int) -> ExpansionSnapshot | None:
    """The workspace's stored snapshot, usable or not."""
    return session.scalar(
        select(ExpansionSnapshot).where(ExpansionSnapshot.workspace_id == workspace_id)
    )


def usable(
    session: Session, *, workspace_id: int, now: datetime, inputs: str
) -> ExpansionSnapshot | None:
    """The stored snapshot if it answers for `now`: computed earlier on the same UTC day from
    the same inputs."""
    found = stored(session, workspace_id=workspace_id)
    if found is None or found.inputs != inputs:
        return None
    if found.as_of.date() != now.date() or found.as_of > now:
        return None
    return found


def store(
    session: Session, *, workspace_id: int, computed: Computed, inputs: str, now: datetime
) -> bool:
    """Replace the workspace's snapshot with `computed`; False (nothing written) when a
    snapshot of a later moment is already stored."""
    current = session.scalar(
        select(ExpansionSnapshot)
        .where(ExpansionSnapshot.workspace_id == workspace_id)
        .with_for_update()
    )
    if current is not None and current.as_of > computed.as_of:
        return False
    if current is None:
        current = ExpansionSnapshot(workspace_id=workspace_id)
        session.add(current)
    current.as_of = computed.as_of
    current.computed_at = now
    current.compute_seconds = computed.seconds
    current.inputs = inputs
    current.currency = computed.currency
    current.accounts_considered = computed.accounts_considered
    current.opportunities = len(computed.opportunities)
    session.execute(
        delete(ExpansionOpportunityRecord).where(
            ExpansionOpportunityRecord.workspace_id == workspace_id
        )
    )
    rows = [
        {
            "workspace_id": workspace_id,
            "account_id": o.account_id,
            "position": position,
            "kind": o.kind,
            "action": o.action,
            "target": o.target,
            "arr_upside_cents": o.arr_upside_cents,
            "reasons": [
                {"code": r.code, "message": r.message, "evidence": r.evidence} for r in o.reasons
            ],
        }
        for position, o in enumerate(computed.opportunities)
    ]
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(ExpansionOpportunityRecord), rows[start : start + INSERT_BATCH])
    session.flush()
    return True


def _matching(
    workspace_id: int, account_id: int | None, actions: Collection[str] | None
) -> list[ColumnElement[bool]]:
    conditions = [ExpansionOpportunityRecord.workspace_id == workspace_id]
    if account_id is not None:
        conditions.append(ExpansionOpportunityRecord.account_id == account_id)
    if actions is not None:
        conditions.append(ExpansionOpportunityRecord.action.in_(sorted(actions)))
    return conditions


def stored_opportunities(
    session: Session,
    snapshot: ExpansionSnapshot,
    *,
    account_id: int | None = None,
    actions: Collection[str] | None = None,
    limit: int | None = None,
) -> list[Opportunity]:
    """The snapshot's opportunities in rank order, of one account and/or some actions."""
    statement = (
        select(ExpansionOpportunityRecord)
        .where(*_matching(snapshot.workspace_id, account_id, actions))
        .order_by(ExpansionOpportunityRecord.position)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        Opportunity(
            int(row.account_id),
            row.kind,  # type: ignore[arg-type]  # written from an Opportunity
            row.action,  # type: ignore[arg-type]
            row.target,
            row.arr_upside_cents,
            snapshot.currency,
            [Reason(r["code"], r["message"], dict(r["evidence"])) for r in row.reasons],
        )
        for row in session.scalars(statement)
    ]


def stored_totals(
    session: Session,
    snapshot: ExpansionSnapshot,
    *,
    account_id: int | None = None,
    actions: Collection[str] | None = None,
) -> tuple[int, int]:
    """How many opportunities match, and the sum of their known ARR upsides."""
    upside = func.coalesce(func.sum(ExpansionOpportunityRecord.arr_upside_cents), 0)
    count, total = session.execute(
        select(func.count(), upside).where(*_matching(snapshot.workspace_id, account_id, actions))
    ).one()
    return int(count), int(total or 0)
