"""The inbox's left column and its drill-down: the caller's saved views with capped counts, and
the extra filters the service dashboard's links add on top of a view."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from cxhub.api.deps import Principal
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets.filters import TicketFilter
from cxhub.service.views import service as views
from cxhub.service.views.schemas import ViewConditions
from cxhub.service.views.service import ViewDefinition


@dataclass(frozen=True)
class InboxTab:
    """One view of the inbox: a saved view (built-in, shared or personal) and its capped count.

    Built-in views are labelled with a message id (translated when shown); a view someone named
    keeps its name as written.
    """

    view: ViewDefinition
    count: int | None = None
    capped: bool = False

    @property
    def key(self) -> str:
        return self.view.id

    @property
    def label(self) -> str:
        return self.view.name

    @property
    def builtin(self) -> bool:
        return self.view.builtin

    @property
    def href(self) -> str:
        return "/tickets?" + urlencode({"view": self.key})

    @property
    def count_text(self) -> str:
        """The count as shown: "10k+" once counting stopped at the cap of 10,000."""
        if self.count is None:
            return ""
        if not self.capped:
            return str(self.count)
        return f"{self.count // 1000}k+" if self.count >= 1000 else f"{self.count}+"


#: The inbox's unlisted view of every ticket: where the dashboard's drill-down links land.
ALL_TICKETS = ViewDefinition(
    "all", "All tickets", ViewConditions(), "-updated_at", position=-1, builtin=True
)
BUILTIN_TAB_LABELS = (
    *(view.name for view in views.BUILTIN_VIEWS.values()),
    ALL_TICKETS.name,
)


def inbox_tabs(session: Session, principal: Principal) -> list[InboxTab]:
    """The caller's views (built-in, then shared and personal by position), each with its
    ticket count; counting stops at `views.COUNT_CAP`. The default view comes first."""
    user_id = principal.user_id
    return [
        InboxTab(view, *views.count_view(session, view=view, user_id=user_id))
        for view in views.list_views(session, user_id=user_id)
    ]


@dataclass(frozen=True)
class DrillFilters:
    """Narrowing the dashboard's links add on top of a view (`?channel=email&created_from=…`)."""

    channel: Channel | None = None
    assignee_id: int | None = None
    sla_breached: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    solved_from: datetime | None = None
    solved_to: datetime | None = None

    def query(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in vars(self).items():
            if value is None:
                continue
            if isinstance(value, datetime):
                found[name] = value.isoformat()
            elif isinstance(value, bool):
                found[name] = "true" if value else "false"
            elif isinstance(value, Channel):
                found[name] = value.value
            else:
                found[name] = str(value)
        return found

    def apply(self, filters: TicketFilter) -> TicketFilter:
        """`filters` further narrowed: each given value replaces the view's own condition."""
        return replace(
            filters,
            channel=self.channel if self.channel is not None else filters.channel,
            assignee_ids=[self.assignee_id] if self.assignee_id else filters.assignee_ids,
            unassigned=filters.unassigned and self.assignee_id is None,
            sla_breached=self.sla_breached,
            created_from=self.created_from,
            created_to=self.created_to,
            solved_from=self.solved_from,
            solved_to=self.solved_to,
        )


def utc(moment: datetime | None) -> datetime | None:
    """A time from a link; a time without zone is read as UTC (as the dashboard writes them)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
