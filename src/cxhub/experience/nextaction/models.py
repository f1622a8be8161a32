"""What people did with a next best action: taken, dismissed or snoozed, and the outcome seen
later. Actions themselves are computed on read from live signals (rules.py); only decisions are
stored. A decision is keyed by the customer (`contact:12` / `account:5`) and the action
(`reply_ticket:345`), and remembers the *signal fingerprint* it was made on: a dismissed action
stays hidden until its fingerprint changes (the signal changed), ADR 0028.

Rows about a contact are deleted when the contact is erased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow


class NextActionDecision(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "next_action_decisions"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("next_action_decisions", "account_id", optional=True),
        reference_index("next_action_decisions", "contact_id", optional=True),
        UniqueConstraint("workspace_id", "customer_key", "action_key"),
        Index("ix_next_action_decisions_time", "workspace_id", "decided_at"),
    )

    customer_key: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    action_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    snoozed_until: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[datetime | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
