"""Events the subscriptions sub-domain publishes (health, playbooks and CLV react to them)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class SubscriptionStarted(DomainEvent):
    name: ClassVar[str] = "subscription.started"
    subscription_id: int
    account_id: int
    currency: str
    mrr_cents: int
    started_on: date


@domain_event
class SubscriptionChanged(DomainEvent):
    name: ClassVar[str] = "subscription.changed"
    subscription_id: int
    account_id: int
    currency: str
    previous_mrr_cents: int
    mrr_cents: int
    effective_on: date


@domain_event
class SubscriptionCanceled(DomainEvent):
    name: ClassVar[str] = "subscription.canceled"
    subscription_id: int
    account_id: int
    currency: str
    previous_mrr_cents: int
    ended_on: date
    status: str
