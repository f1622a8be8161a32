"""The data-subject export document: one JSON object with everything held on a contact."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cxhub.customers.accounts.schemas import AccountOut
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.timeline.schemas import InteractionOut
from cxhub.experience.connected.schemas import NpsAnswerOut
from cxhub.experience.journeys.schemas import StageEntryOut
from cxhub.experience.nextaction.schemas import DecisionOut
from cxhub.experience.surveys.schemas import ResponseOut
from cxhub.experience.text.schemas import StoredAnalysisOut
from cxhub.experience.topics.schemas import AssignmentOut
from cxhub.experience.touchpoints.schemas import TouchpointOut
from cxhub.service.csat.schemas import CsatOut
from cxhub.service.mail.subject_access import InboundMailExport, OutboundMailExport
from cxhub.service.portal.schemas import PortalExport
from cxhub.service.tickets.subject_access import TicketWithMessages
from cxhub.success.usage.subject_access import UsageEventExport

EXPORT_FORMAT = "cxhub.contact-export/1"  # additions are new keys; the version bumps on changes


class SubscriptionRef(BaseModel):
    """A subscription of the contact's account: a reference, not the account's revenue detail."""

    id: int
    account_id: int
    plan: str
    status: str
    started_on: date
    ended_on: date | None


class ContactExport(BaseModel):
    format: str = Field(default=EXPORT_FORMAT, description="Name and version of this layout.")
    exported_at: datetime
    workspace_id: int
    contact: ContactOut = Field(description="The contact with all identifiers.")
    account: AccountOut | None = Field(description="The account the contact belongs to, if any.")
    interactions: list[InteractionOut] = Field(description="The whole timeline, oldest first.")
    tickets: list[TicketWithMessages] = Field(
        description="Tickets the contact requested, each with every message (internal notes "
        "included) and attachment metadata."
    )
    csat_surveys: list[CsatOut]
    text_analyses: list[StoredAnalysisOut] = Field(
        default_factory=list,
        description="Language, sentiment and topics derived from their messages, oldest first.",
    )
    survey_responses: list[ResponseOut] = Field(
        default_factory=list,
        description="Their survey answers (scores, answers, comments, follow-up), oldest first.",
    )
    topic_assignments: list[AssignmentOut] = Field(
        default_factory=list,
        description="The discovered topic each of their texts was assigned to, oldest first.",
    )
    nps_answers: list[NpsAnswerOut] = Field(
        default_factory=list, description="Their NPS answers (0–10), oldest first."
    )
    next_action_decisions: list[DecisionOut] = Field(
        default_factory=list,
        description="Decisions staff took on next best actions about them, and the outcomes.",
    )
    subscriptions: list[SubscriptionRef] = Field(
        description="References to the account's subscriptions."
    )
    touchpoints: list[TouchpointOut] = Field(
        default_factory=list,
        description="Calls, meetings, mentions and survey scores recorded about them, oldest "
        "first, with notes/text and details.",
    )
    journey_stages: list[StageEntryOut] = Field(
        default_factory=list, description="Every journey stage they entered, oldest first."
    )
    inbound_emails: list[InboundMailExport] = Field(
        default_factory=list,
        description="Mail received on their tickets or from their addresses (quarantined "
        "included), each with the raw message.",
    )
    outbound_emails: list[OutboundMailExport] = Field(
        default_factory=list, description="Mail sent (or queued) to them, with the raw message."
    )
    usage_events: list[UsageEventExport] = Field(
        default_factory=list,
        description="Product-usage events of their product user ids (and the anonymous ids "
        "those events carried), oldest first.",
    )
    portal: PortalExport | None = Field(
        default=None,
        description="Customer portal: their portal role, sign-in links and sessions (times only).",
    )
    usage_events_truncated: bool = Field(
        default=False, description="True when `usage_events` was cut at 100 000 events."
    )


class EraseRequest(BaseModel):
    """Erasure cannot be undone: the caller repeats the contact id to confirm it."""

    confirm: int = Field(description="The contact id again, to confirm the erasure.")
    reason: str | None = Field(
        default=None,
        max_length=200,
        description="Why (e.g. a ticket number of the request); must not hold personal data.",
    )


class ErasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int = Field(description="The erased contact (a merged-away id resolves to it).")
    contact_ids: list[int] = Field(description="It and every merge tombstone erased with it.")
    requested_contact_id: int
    actor_user_id: int | None
    reason: str | None
    erased_at: datetime
    status: str = Field(description="`files_pending` until the file part ran, then `complete`.")
    completed_at: datetime | None
    counts: dict[str, Any] = Field(description="Rows and files removed or anonymised, by kind.")


# Lower bounds: a policy may not remove what the team still needs to work or to prove what it
# did (days). Null keeps the data forever.
RETENTION_MINIMUM_DAYS: dict[str, int] = {
    "closed_ticket_messages_days": 30,
    "inbound_mail_days": 7,
    "quarantined_mail_days": 7,
    "outbound_mail_days": 7,
    "usage_events_days": 30,
    "audit_log_days": 365,
}
RETENTION_MAXIMUM_DAYS = 36_500


def _days(name: str, description: str) -> Any:
    return Field(
        default=None,
        ge=RETENTION_MINIMUM_DAYS[name],
        le=RETENTION_MAXIMUM_DAYS,
        description=f"{description} (at least {RETENTION_MINIMUM_DAYS[name]} days; null: forever).",
    )


class RetentionPolicy(BaseModel):
    """Days each kind of data is kept; the retention job removes what is older."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    closed_ticket_messages_days: int | None = _days(
        "closed_ticket_messages_days",
        "Message bodies and attachments of tickets closed this long ago are removed; the "
        "tickets and their figures stay",
    )
    inbound_mail_days: int | None = _days(
        "inbound_mail_days", "Raw received e-mail (processed, duplicate, ignored) is deleted"
    )
    quarantined_mail_days: int | None = _days(
        "quarantined_mail_days", "Quarantined received e-mail is deleted"
    )
    outbound_mail_days: int | None = _days(
        "outbound_mail_days", "Sent or failed outbound e-mail (MIME) is deleted"
    )
    usage_events_days: int | None = _days(
        "usage_events_days", "Usage events (inbox and Parquet day partitions) are deleted"
    )
    audit_log_days: int | None = _days("audit_log_days", "Audit entries are deleted")


class RetentionPolicyOut(RetentionPolicy):
    updated_at: datetime | None = None
    updated_by_user_id: int | None = None


class RetentionRuleReport(BaseModel):
    kind: str
    days: int
    cutoff: datetime
    removed: int = Field(description="Removed in this run (0 in a dry run).")
    remaining: int = Field(description="Still older than the cutoff after this run.")


class RetentionReport(BaseModel):
    workspace_id: int
    dry_run: bool
    ran_at: datetime
    rules: list[RetentionRuleReport]
