"""Survey tables: definitions, the workspace's survey settings, invitations (one per contact
asked), the per-contact throttle clock, and responses with their follow-up loop."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, JSONType, WorkspaceScoped, reference_index, utcnow


class Survey(IdMixin, WorkspaceScoped, Base):
    """A questionnaire: its kind (nps, csat, ces or custom), questions and texts per language,
    how it is distributed (`trigger`) and the share of eligible contacts asked (`sample_percent`).
    `public_key` identifies it to the in-product snippet: it is public by design (it sits in the
    customer's page source), so it is stored as is and grants answering only."""

    __tablename__ = "surveys"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("public_key"),
        Index("ix_surveys_status", "workspace_id", "status", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    intro: Mapped[dict[str, Any]] = mapped_column(default=dict)
    languages: Mapped[list[str]] = mapped_column(default=list)
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    trigger: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channels: Mapped[list[str]] = mapped_column(default=list)
    sample_percent: Mapped[int] = mapped_column(Integer, default=100)
    public_key: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveySettings(IdMixin, WorkspaceScoped, Base):
    """Workspace-wide survey rules: a contact is asked at most once per `throttle_days` across
    all surveys; follow-ups go to the account's owner, else to `followup_owner_id`."""

    __tablename__ = "survey_settings"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    throttle_days: Mapped[int] = mapped_column(Integer, default=30)
    answer_window_days: Mapped[int] = mapped_column(Integer, default=30)
    followup_owner_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyContactClock(IdMixin, WorkspaceScoped, Base):
    """When a contact was last asked, by any survey: the single row per contact is the throttle.
    Claims are a conditional UPDATE (or an INSERT guarded by the unique constraint), so two
    concurrent sends can never both survey the same contact inside the window.

    `contact_id` has no foreign key on purpose (as the portal's rows, ADR 0021): a merge re-points
    every foreign key to the winner, which would put two clocks on one contact; instead the
    `contact.merged` subscriber keeps the later clock on the winner, and erasure deletes the
    erased person's clocks."""

    __tablename__ = "survey_contact_clocks"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(IdType)
    last_surveyed_at: Mapped[datetime] = mapped_column()


class SurveyInvitation(IdMixin, WorkspaceScoped, Base):
    """One contact asked one survey on one channel. The link token (e-mail, portal, signed link)
    is stored only as its hash; the invitation is answered at most once."""

    __tablename__ = "survey_invitations"
    # The default workspace index stays (0034): the composites lead by a parent key, and
    # workspace-wide reads (KPIs, lists) need one led by the workspace.
    __table_args__ = (
        reference_index("survey_invitations", "account_id", optional=True),
        UniqueConstraint("token_sha256"),
        Index("ix_survey_invitations_survey", "survey_id", "workspace_id", "sent_at"),
        Index("ix_survey_invitations_contact", "contact_id", "workspace_id", "sent_at"),
    )

    survey_id: Mapped[int] = mapped_column(IdType, ForeignKey("surveys.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    journey_stage: Mapped[str | None] = mapped_column(String(64))
    source_type: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    token_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column()


class SurveyResponse(IdMixin, WorkspaceScoped, Base):
    """An answer: the headline `score` (the NPS, CSAT or CES question, or the first rating of a
    custom survey), every answer by question key, the free-text comment, and snapshots of where
    and who (channel, touchpoint, journey stage, account segment and plan) so metrics can be
    cut without re-deriving the past. `followup_*` is the close-the-loop state."""

    __tablename__ = "survey_responses"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("survey_responses", "account_id", optional=True),
        reference_index("survey_responses", "followup_task_id", optional=True),
        reference_index("survey_responses", "followup_ticket_id", optional=True),
        UniqueConstraint("invitation_id"),
        Index("ix_survey_responses_survey", "survey_id", "workspace_id", "responded_at"),
        Index("ix_survey_responses_time", "workspace_id", "kind", "responded_at"),
        Index("ix_survey_responses_contact", "contact_id", "workspace_id", "responded_at"),
    )

    survey_id: Mapped[int] = mapped_column(IdType, ForeignKey("surveys.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("survey_invitations.id", ondelete="SET NULL")
    )
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    channel: Mapped[str] = mapped_column(String(16))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    journey_stage: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(50))
    plan: Mapped[str | None] = mapped_column(String(120))
    responded_at: Mapped[datetime] = mapped_column(default=utcnow)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    followup_status: Mapped[str] = mapped_column(String(16), default="none")
    followup_reason: Mapped[str | None] = mapped_column(String(32))
    followup_owner_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    followup_task_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("csm_tasks.id", ondelete="SET NULL")
    )
    followup_ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="SET NULL")
    )
    followup_closed_at: Mapped[datetime | None] = mapped_column()
