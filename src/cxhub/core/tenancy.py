"""Workspaces: the tenant boundary. Every other row carries a `workspace_id` (see core.db)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, TimestampMixin


class Workspace(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    default_time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
