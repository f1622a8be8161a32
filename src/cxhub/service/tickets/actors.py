"""Who changed a ticket: an agent, the customer, or the system (automations, mail intake)."""

from __future__ import annotations

from dataclasses import dataclass

from cxhub.service.tickets.models import AuthorKind


@dataclass(frozen=True)
class Actor:
    kind: AuthorKind
    user_id: int | None = None
    contact_id: int | None = None

    @classmethod
    def agent(cls, user_id: int) -> Actor:
        return cls(AuthorKind.AGENT, user_id=user_id)

    @classmethod
    def customer(cls, contact_id: int) -> Actor:
        return cls(AuthorKind.CUSTOMER, contact_id=contact_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(AuthorKind.SYSTEM)
