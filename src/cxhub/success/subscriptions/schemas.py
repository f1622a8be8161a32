"""Subscription request and response shapes. Money is integer cents of `currency`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cxhub.success.subscriptions.models import (
    Subscription,
    SubscriptionMrrChange,
    SubscriptionStatus,
)

# Dates outside these years are typos that would make month-by-month rebuilds absurdly long.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200
MAX_MRR_CENTS = 10**13  # 100 billion a month: beyond that the value is a unit mistake

MrrCents = Annotated[
    int, Field(ge=0, le=MAX_MRR_CENTS, description="Monthly recurring revenue, minor units.")
]
Seats = Annotated[int, Field(ge=0, le=10_000_000)]
Plan = Annotated[str, Field(min_length=1, max_length=120, examples=["pro"])]
OPEN_STATUSES = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)


def _plausible(value: date | None, field: str) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"{field} must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


class SubscriptionCreate(BaseModel):
    account_id: int
    plan: Plan
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"], description="ISO 4217")
    mrr_cents: MrrCents
    seats: Seats = 1
    started_on: date
    renewal_on: date | None = None
    ended_on: date | None = Field(
        default=None, description="First day without service; the MRR drops to 0 on that day."
    )
    status: SubscriptionStatus | None = Field(
        default=None, description="Default: active, or canceled when ended_on is given."
    )
    external_id: str | None = Field(
        default=None,
        max_length=200,
        description="Your id; a POST with a known external_id updates that subscription.",
    )
    effective_on: date | None = Field(
        default=None,
        description="For an upsert that changes an existing subscription: when the change "
        "takes effect (default today).",
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not value.isalpha():
            raise ValueError("currency is a three-letter ISO 4217 code")
        return value.upper()

    @field_validator("started_on", "renewal_on", "ended_on", "effective_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        return _plausible(value, "dates")

    @model_validator(mode="after")
    def _ordered(self) -> SubscriptionCreate:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError("ended_on is before started_on")
        if self.renewal_on is not None and self.renewal_on < self.started_on:
            raise ValueError("renewal_on is before started_on")
        if self.status in OPEN_STATUSES and self.ended_on is not None:
            raise ValueError(f"a {self.status.value} subscription has no ended_on")
        return self


class SubscriptionUpdate(BaseModel):
    plan: Plan | None = None
    mrr_cents: MrrCents | None = None
    seats: Seats | None = None
    renewal_on: date | None = None
    status: SubscriptionStatus | None = Field(
        default=None, description="trialing, active or past_due; end with POST …/cancel."
    )
    external_id: str | None = Field(default=None, max_length=200)
    effective_on: date | None = Field(
        default=None, description="When a change of plan, MRR or seats takes effect (today)."
    )
    reason: str | None = Field(
        default=None, max_length=64, examples=["upgrade"], description="Kept in the MRR history."
    )

    @field_validator("renewal_on", "effective_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        return _plausible(value, "dates")

    @field_validator("status")
    @classmethod
    def _open_status(cls, value: SubscriptionStatus | None) -> SubscriptionStatus | None:
        if value is not None and value not in OPEN_STATUSES:
            raise ValueError("end a subscription with POST /subscriptions/{id}/cancel")
        return value


class SubscriptionCancel(BaseModel):
    ended_on: date | None = Field(
        default=None, description="First day without service (default today)."
    )
    status: SubscriptionStatus = Field(
        default=SubscriptionStatus.CANCELED, description="canceled or expired."
    )
    reason: str | None = Field(default=None, max_length=64, examples=["budget"])

    @field_validator("ended_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        return _plausible(value, "ended_on")

    @field_validator("status")
    @classmethod
    def _ended_status(cls, value: SubscriptionStatus) -> SubscriptionStatus:
        if value not in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED):
            raise ValueError("a cancellation ends as canceled or expired")
        return value


class MrrChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    effective_on: date
    mrr_cents: int
    seats: int
    plan: str
    reason: str


class SubscriptionOut(BaseModel):
    id: int
    account_id: int
    plan: str
    currency: str
    mrr_cents: int
    seats: int
    started_on: date
    renewal_on: date | None
    ended_on: date | None
    status: SubscriptionStatus
    external_id: str | None
    mrr_history: list[MrrChangeOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        return cls(
            id=subscription.id,
            account_id=subscription.account_id,
            plan=subscription.plan,
            currency=subscription.currency,
            mrr_cents=subscription.mrr_cents,
            seats=subscription.seats,
            started_on=subscription.started_on,
            renewal_on=subscription.renewal_on,
            ended_on=subscription.ended_on,
            status=SubscriptionStatus(subscription.status),
            external_id=subscription.external_id,
            mrr_history=[MrrChangeOut.model_validate(c) for c in _history(subscription)],
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


def _history(subscription: Subscription) -> list[SubscriptionMrrChange]:
    return sorted(subscription.mrr_changes, key=lambda c: (c.effective_on, c.id or 0))
