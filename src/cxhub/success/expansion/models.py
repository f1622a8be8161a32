"""Expansion tables: one plan catalogue per workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class PlanCatalogueRecord(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`definition` is an `analytics.expansion.PlanCatalogue` as JSON, validated on write."""

    __tablename__ = "plan_catalogues"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    definition: Mapped[dict[str, Any]] = mapped_column()
