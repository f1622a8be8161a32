"""Assignment settings per team and the agent profile (capacity, languages, availability)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, JSONType, WorkspaceScoped, utcnow


class AssignmentMode(StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


class TeamAssignmentSettings(IdMixin, WorkspaceScoped, Base):
    """How a team's new tickets find an agent. The row also carries the round-robin cursor and
    is locked while choosing, so concurrent assignments in one team take turns."""

    __tablename__ = "team_assignment_settings"

    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), unique=True
    )
    mode: Mapped[AssignmentMode] = mapped_column(
        SAEnum(
            AssignmentMode,
            name="assignment_mode",
            native_enum=False,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=AssignmentMode.MANUAL,
    )
    # The agent who got the team's last round-robin ticket: the next turn goes to the one after.
    last_assigned_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgentProfile(IdMixin, WorkspaceScoped, Base):
    """What automatic assignment knows about an agent; an agent without one is available with
    no capacity limit and no language preference."""

    __tablename__ = "agent_profiles"

    user_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # Unsolved tickets (new, open, pending, on hold) the agent may hold; None: no limit.
    max_open_tickets: Mapped[int | None] = mapped_column(Integer)
    # BCP 47 tags as given (`it`, `pt-BR`); matching compares primary subtags.
    languages: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
