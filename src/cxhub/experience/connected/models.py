"""NPS answers as `NpsResponseRecorded` events bring them (published by
`POST /api/v1/playbooks/signals/nps` for answers collected by other tools, and by the surveys for
each NPS answer about an account), kept as one row per answer so the next best action can call
detractors. The NPS trend reads this table and the survey responses together and counts a
survey answer's copy here only once (`analytics.survey_kpis.nps_answers`, docs/experience.md).

A row is about a person when `contact_id` is set: erasing the contact deletes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index


class NpsAnswer(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "experience_nps_answers"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("experience_nps_answers", "contact_id", optional=True),
        Index("ix_experience_nps_answers_time", "workspace_id", "responded_at"),
        Index("ix_experience_nps_answers_account", "account_id", "workspace_id"),
    )

    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    score: Mapped[int] = mapped_column(Integer)
    responded_at: Mapped[datetime] = mapped_column()
