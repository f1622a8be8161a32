"""The ticket status machine: which transitions are legal, and which statuses pause SLAs.

Kept pure so the rules are tested with plain values and documented in one place
(docs/tickets.md). A closed ticket is final: a customer writing again starts a follow-up.
"""

from __future__ import annotations

from cxhub.core.errors import Conflict
from cxhub.service.tickets.models import TicketStatus

S = TicketStatus

LEGAL_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED}),
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}

#: Statuses an agent still has to act on ("unsolved" in most helpdesks).
UNSOLVED = frozenset({S.NEW, S.OPEN, S.PENDING, S.ON_HOLD})
#: Statuses that pause SLA clocks unless a policy says otherwise.
DEFAULT_PAUSING = frozenset({S.PENDING, S.ON_HOLD})


class IllegalTransition(Conflict):
    type_slug = "illegal-status-transition"
    title = "Illegal status transition"


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    """Raise `IllegalTransition` (409) unless `current → target` is allowed; same → same is a
    no-op and allowed."""
    if current == target:
        return
    if target not in LEGAL_TRANSITIONS[current]:
        allowed = sorted(s.value for s in LEGAL_TRANSITIONS[current])
        raise IllegalTransition(
            f"a {current.value} ticket cannot become {target.value}",
            current=current.value,
            requested=target.value,
            allowed=allowed,
        )
