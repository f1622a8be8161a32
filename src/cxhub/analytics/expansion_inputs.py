"""What the expansion rules know of each account (`analytics.expansion.AccountFacts`), read
through the metric layer: live subscriptions in the catalogue's currency (as `revenue_kpis`),
the account records and 30 days of product usage in one DuckDB scan (ADR 0015). Every
statement names its workspace explicitly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.analytics import adoption
from cxhub.analytics.expansion import AccountFacts, FeatureUse, PlanCatalogue
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.success.subscriptions.models import ENDED_STATUSES, Subscription


@dataclass(frozen=True, slots=True)
class LiveSubscription:
    """What the rules read of a subscription (plain columns: thousands are read per call)."""

    id: int
    plan: str
    mrr_cents: int
    seats: int


def live_subscriptions(
    session: Session, *, workspace_id: int, currency: str, today: date
) -> dict[int, list[LiveSubscription]]:
    """Each account's subscriptions in `currency` that are in service on `today`."""
    found: dict[int, list[LiveSubscription]] = defaultdict(list)
    rows = session.execute(
        select(
            Subscription.account_id,
            Subscription.id,
            Subscription.plan,
            Subscription.mrr_cents,
            Subscription.seats,
        )
        .where(
            Subscription.workspace_id == workspace_id,
            Subscription.currency == currency,
            Subscription.started_on <= today,
            or_(Subscription.ended_on.is_(None), Subscription.ended_on > today),
            Subscription.status.not_in([s.value for s in ENDED_STATUSES]),
        )
        .order_by(Subscription.id)
    )
    for account_id, subscription_id, plan, mrr_cents, seats in rows:
        found[int(account_id)].append(
            LiveSubscription(int(subscription_id), plan, int(mrr_cents), int(seats))
        )
    return found


def _base_plan(subscriptions: list[LiveSubscription], catalogue: PlanCatalogue) -> str | None:
    """The highest catalogue plan among the account's subscriptions, else its biggest one's."""
    ranked = [
        (index, s.plan)
        for s in subscriptions
        if (index := catalogue.plan_index(s.plan)) is not None
    ]
    if ranked:
        return max(ranked)[1]
    if not subscriptions:
        return None
    return max(subscriptions, key=lambda s: (s.mrr_cents, -s.id)).plan


def account_facts(
    session: Session,
    *,
    workspace_id: int,
    catalogue: PlanCatalogue,
    as_of: datetime,
    data_dir: Path,
) -> tuple[list[AccountFacts], dict[int, str]]:
    """The facts of every account with a live subscription in the catalogue's currency (the
    population similar accounts are found in), and the accounts' names."""
    live = live_subscriptions(
        session, workspace_id=workspace_id, currency=catalogue.currency, today=as_of.date()
    )
    ids = sorted(live)
    if not ids:  # nobody pays in this currency: no usage to read
        return [], {}
    records = accounts.account_profiles(session, account_ids=set(ids))
    members = contacts.external_ids_by_account(session, account_ids=set(ids))
    # The rules read MAU and feature use: 30 days, not the 60 of `adoption.usage_window` (whose
    # earlier month only feeds the trend), so the materialised window is half as large; the
    # activity's `previous_events` is therefore 0 here, and unused.
    window_start = as_of - timedelta(days=adoption.MONTH_DAYS)
    with adoption.open_events(
        session, workspace_id=workspace_id, data_dir=data_dir, start=window_start, end=as_of
    ) as connection:
        activity = adoption.accounts_activity(connection, members=members, as_of=as_of)
    facts = []
    for account_id in ids:
        record = records.get(account_id)
        if record is None:
            continue
        subscriptions = live[account_id]
        base = [s for s in subscriptions if not catalogue.is_add_on(s.plan)]
        used = activity.get(account_id, adoption.AccountActivity())
        seats = sum(s.seats for s in base) or adoption.licensed_seats_of(record.custom_attributes)
        facts.append(
            AccountFacts(
                account_id=account_id,
                segment=record.tier,
                plan=_base_plan(base, catalogue),
                mrr_cents=sum(s.mrr_cents for s in base),
                licensed_seats=seats,
                active_seats=used.active_users,
                feature_use={
                    event: FeatureUse(events, users)
                    for event, (events, users) in used.features.items()
                },
                add_ons=frozenset(s.plan for s in subscriptions if catalogue.is_add_on(s.plan)),
            )
        )
    return facts, {account_id: record.name for account_id, record in records.items()}
