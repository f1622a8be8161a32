"""What the workspace's reply box starts with: empty, or a macro's preview to review."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError
from cxhub.service.automations import macros as macro_service
from cxhub.service.tickets.models import Ticket, TicketStatus

#: The statuses a reply can be submitted as, in the order the form offers them.
REPLY_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED)
MACRO_UNAVAILABLE = "This macro cannot be applied to this ticket."


@dataclass(frozen=True)
class ReplyDraft:
    """What the reply box starts with: empty, or a macro's preview for the agent to review."""

    body: str = ""
    internal: bool = False
    status: str = ""
    macro_id: int | None = None
    error: str | None = None


def macro_draft(session: Session, ticket: Ticket, macro_id: int, agent_id: int) -> ReplyDraft:
    """The reply box filled from a macro's preview (nothing changes until the agent submits)."""
    try:
        preview = macro_service.apply_macro_to_ticket(
            session, ticket_id=ticket.id, macro_id=macro_id, agent_id=agent_id, preview=True
        )
    except DomainError:
        return ReplyDraft(macro_id=macro_id, error=MACRO_UNAVAILABLE)
    status = str(preview.ticket.get("status") or "")
    wanted = status if "status" in preview.changed_fields else ""
    if wanted not in {s.value for s in REPLY_STATUSES}:
        wanted = ""
    if preview.public_reply and preview.public_reply.strip():
        return ReplyDraft(preview.public_reply, False, wanted, macro_id)
    return ReplyDraft(preview.internal_note or "", bool(preview.internal_note), wanted, macro_id)
