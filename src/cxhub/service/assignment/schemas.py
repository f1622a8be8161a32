"""Assignment settings and agent profile shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cxhub.core.locales import LocaleTag
from cxhub.service.assignment.models import AssignmentMode


class TeamAssignmentIn(BaseModel):
    mode: AssignmentMode


class TeamAssignmentOut(BaseModel):
    team_id: int
    mode: AssignmentMode
    last_assigned_user_id: int | None = Field(
        description="Round-robin cursor: the next turn goes to the next agent by user id."
    )


class AgentProfileIn(BaseModel):
    max_open_tickets: int | None = Field(
        default=None, ge=0, le=10_000, description="Unsolved tickets at most; null: no limit."
    )
    languages: list[LocaleTag] = Field(default_factory=list, max_length=20, examples=[["it", "en"]])
    available: bool = True


class AgentProfileOut(BaseModel):
    user_id: int
    max_open_tickets: int | None
    languages: list[str]
    available: bool
    last_assigned_at: datetime | None
    open_tickets: int = Field(description="Unsolved tickets assigned to the agent now.")
