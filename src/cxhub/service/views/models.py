"""Saved views: a named ticket filter, personal (an owner) or shared with the workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, TimestampMixin, WorkspaceScoped


class SavedView(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    __tablename__ = "saved_views"
    __workspace_index__ = False
    __table_args__ = (Index("ix_saved_views_owner", "workspace_id", "owner_id", "position"),)

    name: Mapped[str] = mapped_column(String(120))
    # None: shared with the whole workspace; otherwise only its owner sees it.
    owner_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # `ViewConditions` as JSON; validated on the way in, so it is read back without surprises.
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort: Mapped[str] = mapped_column(String(64), default="-updated_at")
