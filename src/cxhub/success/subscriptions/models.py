"""Subscription tables: one row per contract, and the history of its MRR (what every past
month's revenue is rebuilt from). Money is integer minor units (cents), never floats."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxhub.core.db import Base, IdMixin, IdType, TimestampMixin, WorkspaceScoped, utcnow


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


ENDED_STATUSES = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED})


class Subscription(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A contract of an account. `mrr_cents` is the monthly-normalised recurring revenue now (an
    annual contract counts 1/12 per month); `ended_on` is the first day without service."""

    __tablename__ = "subscriptions"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_subscriptions_account", "account_id", "workspace_id"),
        Index("ix_subscriptions_renewal", "workspace_id", "renewal_on"),
        # the last change of a workspace's subscriptions, by one seek (expansion snapshot)
        Index("ix_subscriptions_changed", "workspace_id", "updated_at"),
    )

    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    plan: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    mrr_cents: Mapped[int] = mapped_column(BigInteger)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    started_on: Mapped[date] = mapped_column(Date)
    renewal_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.ACTIVE.value)
    external_id: Mapped[str | None] = mapped_column(String(200))
    mrr_changes: Mapped[list[SubscriptionMrrChange]] = relationship(
        back_populates="subscription",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by=lambda: (SubscriptionMrrChange.effective_on, SubscriptionMrrChange.id),
    )


class SubscriptionMrrChange(IdMixin, WorkspaceScoped, Base):
    """From `effective_on` on (until a later change), the subscription's MRR is `mrr_cents`.
    A start writes the first row, a cancellation a row with 0 on `ended_on`."""

    __tablename__ = "subscription_mrr_changes"
    # The default workspace index stays (0034): the composites lead by a parent key, and
    # workspace-wide reads (KPIs, lists) need one led by the workspace.
    __table_args__ = (
        Index(
            "ix_subscription_mrr_changes_subscription",
            "subscription_id",
            "workspace_id",
            "effective_on",
        ),
    )

    subscription_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    effective_on: Mapped[date] = mapped_column(Date)
    mrr_cents: Mapped[int] = mapped_column(BigInteger)
    seats: Mapped[int] = mapped_column(Integer)
    plan: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    subscription: Mapped[Subscription] = relationship(back_populates="mrr_changes")
