"""Saved view request and response shapes; the conditions are validated before they are stored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets.filters import TICKET_SORTS
from cxhub.service.tickets.models import TicketPriority, TicketStatus
from cxhub.service.tickets.schemas import MAX_TAGS, _clean_tags
from cxhub.service.tickets.search_text import MAX_QUERY_CHARS, QueryError, parse_query

MAX_IDS = 100


class ViewConditions(BaseModel):
    """What a view shows; every condition narrows it, lists match any of their values."""

    model_config = ConfigDict(extra="forbid")

    statuses: list[TicketStatus] = Field(default_factory=list)
    priorities: list[TicketPriority] = Field(default_factory=list)
    assignee: Literal["me", "unassigned"] | int | None = Field(
        default=None, description="`me` (whoever looks), `unassigned`, or a user id."
    )
    team_ids: list[int] = Field(default_factory=list, max_length=MAX_IDS)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS, description="Any of.")
    channel: Channel | None = None
    sla_due_within_minutes: int | None = Field(
        default=None,
        ge=1,
        le=60 * 24 * 30,
        description="Next SLA target due before now + N minutes (overdue ones included).",
    )
    requester_ids: list[int] = Field(default_factory=list, max_length=MAX_IDS)
    account_ids: list[int] = Field(default_factory=list, max_length=MAX_IDS)
    q: str | None = Field(default=None, max_length=MAX_QUERY_CHARS)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _clean_tags(value) or []

    @field_validator("q")
    @classmethod
    def _searchable(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            parse_query(value)
        except QueryError as error:
            raise ValueError(str(error)) from None
        return value


def _check_sort(value: str) -> str:
    if value.lstrip("-") not in TICKET_SORTS:
        allowed = ", ".join(sorted(TICKET_SORTS))
        raise ValueError(f"sort by one of {allowed} (prefix '-' for descending)")
    return value


class ViewCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    shared: bool = Field(
        default=False, description="Shared with the workspace (needs service:configure)."
    )
    position: int = Field(default=0, ge=0, le=10_000)
    conditions: ViewConditions = Field(default_factory=ViewConditions)
    sort: str = "-updated_at"

    _sort = field_validator("sort")(_check_sort)


class ViewUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    position: int | None = Field(default=None, ge=0, le=10_000)
    conditions: ViewConditions | None = None
    sort: str | None = None

    @field_validator("sort")
    @classmethod
    def _sort(cls, value: str | None) -> str | None:
        return None if value is None else _check_sort(value)


class ViewOut(BaseModel):
    id: str = Field(description="A number for saved views, a name (`my-open`) for built-ins.")
    name: str
    builtin: bool
    shared: bool
    owner_id: int | None
    position: int
    conditions: ViewConditions
    sort: str
    count: int | None = Field(default=None, description="Matching tickets, at most `10000`.")
    count_capped: bool = Field(default=False, description="True when there are more.")
