"""Expansion tables: one plan catalogue per workspace, and the stored snapshot of its
opportunities (ADR 0044)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, JSONType, TimestampMixin, WorkspaceScoped


class PlanCatalogueRecord(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`definition` is an `analytics.expansion.PlanCatalogue` as JSON, validated on write."""

    __tablename__ = "plan_catalogues"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    definition: Mapped[dict[str, Any]] = mapped_column()


class ExpansionSnapshot(IdMixin, WorkspaceScoped, Base):
    """The workspace's expansion opportunities as computed at `as_of` (ADR 0044): one row per
    workspace, replaced with its `ExpansionOpportunityRecord` rows in one transaction.

    `inputs` fingerprints the catalogue and subscriptions it was computed from; a snapshot
    answers while it is from the current UTC day and the fingerprint still matches."""

    __tablename__ = "expansion_snapshots"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    as_of: Mapped[datetime] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column()
    compute_seconds: Mapped[float] = mapped_column(Float)
    inputs: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    accounts_considered: Mapped[int] = mapped_column(Integer)
    opportunities: Mapped[int] = mapped_column(Integer)


class ExpansionOpportunityRecord(IdMixin, WorkspaceScoped, Base):
    """One opportunity of the workspace's snapshot; `position` is its rank (0 = first).
    Reasons are stored as computed (code, message, evidence)."""

    __tablename__ = "expansion_opportunities"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_expansion_opportunities_account", "account_id", "workspace_id"),
        Index("ix_expansion_opportunities_rank", "workspace_id", "position"),
        Index("ix_expansion_opportunities_action", "workspace_id", "action", "position"),
    )

    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(120))
    arr_upside_cents: Mapped[int | None] = mapped_column(BigInteger)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
