"""What a playbook is, as validated JSON: one trigger, account conditions, actions.

Pure: no database. The stored `playbooks.definition` is a `PlaybookDefinition` dumped to JSON.
Templates (task titles, e-mail texts, ticket texts) accept the placeholders in
`PLAYBOOK_PLACEHOLDERS` and are checked when the playbook is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator
from pydantic.networks import validate_email

from cxhub.core.outbound_http import UnsafeTarget, check_configured_url
from cxhub.service.automations.templates import render_template, validate_template

_STRICT = ConfigDict(extra="forbid", frozen=True)

PLAYBOOK_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "account.name",
        "account.tier",
        "account.url",
        "account.owner_name",
        "playbook.name",
        "trigger.summary",
    }
)

Tag = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S+$")]
Label = Annotated[str, Field(min_length=1, max_length=80)]
Days = Annotated[int, Field(ge=1, le=730)]


def _template(source: str) -> str:
    validate_template(source, allowed=PLAYBOOK_PLACEHOLDERS)
    return source


TitleTemplate = Annotated[str, Field(min_length=1, max_length=300)]
TextTemplate = Annotated[str, Field(max_length=20_000)]


# --- triggers ----------------------------------------------------------------------------------


class HealthBandTrigger(BaseModel):
    """The account's health entered one of `bands` (event `health.band_changed`); the episode
    lasts while the band stays among them."""

    model_config = _STRICT
    type: Literal["health_band"] = "health_band"
    bands: Annotated[list[Label], Field(min_length=1, max_length=20)]
    scorecard_id: int | None = Field(
        default=None, description="The scorecard whose bands count; default: the default one."
    )


class UsageDropTrigger(BaseModel):
    """Events of the last 30 days ÷ events of the 30 before ≤ `max_trend` (hourly check)."""

    model_config = _STRICT
    type: Literal["usage_drop"] = "usage_drop"
    max_trend: float = Field(default=0.7, gt=0, lt=1, allow_inf_nan=False)
    min_previous_events: int = Field(
        default=20, ge=1, description="Ignore accounts with less usage than this before the drop."
    )


class SeatsNearLimitTrigger(BaseModel):
    """Active seats (monthly active users) ÷ licensed seats ≥ `min_utilisation` (hourly)."""

    model_config = _STRICT
    type: Literal["seats_near_limit"] = "seats_near_limit"
    min_utilisation: float = Field(default=0.9, gt=0, le=10, allow_inf_nan=False)


class NpsDetractorTrigger(BaseModel):
    """An NPS response of `max_score` or less from a contact of the account (event
    `nps.response_recorded`); the episode ends with a better response or `window_days` quiet."""

    model_config = _STRICT
    type: Literal["nps_detractor"] = "nps_detractor"
    max_score: int = Field(default=6, ge=0, le=9)
    window_days: Days = 30


class RenewalDueTrigger(BaseModel):
    """An open subscription renews within `days` days (hourly); it re-arms after the renewal
    date moved on."""

    model_config = _STRICT
    type: Literal["renewal_due"] = "renewal_due"
    days: Days = 60


class SlaBreachTrigger(BaseModel):
    """An SLA target of a ticket of the account breached (event `sla.breached`); the episode
    ends after `window_days` without a breach. Narrow it to key accounts with conditions."""

    model_config = _STRICT
    type: Literal["sla_breach"] = "sla_breach"
    window_days: Days = 7


class RepeatedTicketsTrigger(BaseModel):
    """At least `count` tickets of the account created in the last `days` days share a tag
    (`tag` when given) or, with `ticket_type`, that type (event `ticket.created`)."""

    model_config = _STRICT
    type: Literal["repeated_tickets"] = "repeated_tickets"
    count: int = Field(default=3, ge=2, le=1000)
    days: Days = 14
    tag: Tag | None = None
    ticket_type: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _one_topic(self) -> RepeatedTicketsTrigger:
        if self.tag is not None and self.ticket_type is not None:
            raise ValueError("give tag or ticket_type, not both")
        return self


Trigger = Annotated[
    HealthBandTrigger
    | UsageDropTrigger
    | SeatsNearLimitTrigger
    | NpsDetractorTrigger
    | RenewalDueTrigger
    | SlaBreachTrigger
    | RepeatedTicketsTrigger,
    Field(discriminator="type"),
]

#: Trigger types checked by the hourly evaluation; the others react to domain events (and the
#: hourly evaluation only ends their episodes).
SCHEDULED_TRIGGERS = frozenset({"usage_drop", "seats_near_limit", "renewal_due"})
TRIGGER_TYPES = (
    "health_band",
    "usage_drop",
    "seats_near_limit",
    "nps_detractor",
    "renewal_due",
    "sla_breach",
    "repeated_tickets",
)


# --- conditions --------------------------------------------------------------------------------

ConditionField = Literal["tier", "industry", "country", "tags", "owner"]
ConditionOp = Literal["in", "not_in", "includes_any", "includes_none", "is_set", "is_not_set"]
_OPS: dict[str, frozenset[str]] = {
    "tier": frozenset({"in", "not_in", "is_set", "is_not_set"}),
    "industry": frozenset({"in", "not_in", "is_set", "is_not_set"}),
    "country": frozenset({"in", "not_in", "is_set", "is_not_set"}),
    "tags": frozenset({"includes_any", "includes_none"}),
    "owner": frozenset({"is_set", "is_not_set"}),
}


class AccountCondition(BaseModel):
    """A test on the account (all conditions must hold), e.g. key accounts only:
    `{"field": "tier", "op": "in", "value": ["enterprise"]}`."""

    model_config = _STRICT
    field: ConditionField
    op: ConditionOp
    value: Annotated[list[Label], Field(max_length=50)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AccountCondition:
        if self.op not in _OPS[self.field]:
            allowed = ", ".join(sorted(_OPS[self.field]))
            raise ValueError(f"{self.field} takes the operators {allowed}")
        needs_value = self.op not in ("is_set", "is_not_set")
        if needs_value and not self.value:
            raise ValueError(f"{self.op} needs a non-empty value list")
        if not needs_value and self.value:
            raise ValueError(f"{self.op} takes no value")
        return self


@dataclass(frozen=True)
class AccountFacts:
    """What conditions and templates see of an account."""

    account_id: int
    name: str
    tier: str | None = None
    industry: str | None = None
    country: str | None = None
    tags: frozenset[str] = frozenset()
    owner_id: int | None = None
    owner_name: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


def condition_holds(condition: AccountCondition, facts: AccountFacts) -> bool:
    wanted = {v.lower() for v in condition.value}
    if condition.field == "tags":
        tags = {t.lower() for t in facts.tags}
        overlap = bool(tags & wanted)
        return overlap if condition.op == "includes_any" else not overlap
    current = facts.owner_id if condition.field == "owner" else getattr(facts, condition.field)
    if condition.op == "is_set":
        return current is not None and current != ""
    if condition.op == "is_not_set":
        return current is None or current == ""
    inside = isinstance(current, str) and current.lower() in wanted
    return inside if condition.op == "in" else not inside


def conditions_hold(conditions: list[AccountCondition], facts: AccountFacts) -> bool:
    return all(condition_holds(c, facts) for c in conditions)


# --- actions -----------------------------------------------------------------------------------


class CreateTaskAction(BaseModel):
    """A CSM task due `due_in_days` after the run, owned by the account's owner (or `owner_id`)."""

    model_config = _STRICT
    type: Literal["create_task"] = "create_task"
    title: TitleTemplate
    notes: TextTemplate = ""
    due_in_days: int = Field(default=3, ge=0, le=365)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    owner_id: int | None = Field(default=None, gt=0)

    _templates = field_validator("title", "notes")(_template)


class SendEmailAction(BaseModel):
    """An e-mail through the outbound mail queue; `account_owner` is the account's owner."""

    model_config = _STRICT
    type: Literal["send_email"] = "send_email"
    to: Annotated[list[StrictStr], Field(min_length=1, max_length=20)]
    subject: Annotated[str, Field(min_length=1, max_length=500)]
    body: Annotated[str, Field(min_length=1, max_length=20_000)]

    _templates = field_validator("subject", "body")(_template)

    @field_validator("to")
    @classmethod
    def _recipients(cls, recipients: list[str]) -> list[str]:
        for recipient in recipients:
            if recipient == "account_owner":
                continue
            try:
                validate_email(recipient)
            except ValueError as error:
                raise ValueError(
                    f"recipient {recipient!r} is neither account_owner nor an e-mail address"
                ) from error
        return recipients


class WebhookAction(BaseModel):
    """A signed JSON POST of the run (docs/playbooks.md, "Webhooks")."""

    model_config = _STRICT
    type: Literal["webhook"] = "webhook"
    url: Annotated[str, Field(min_length=8, max_length=2000)]

    @field_validator("url")
    @classmethod
    def _syntax(cls, url: str) -> str:
        # The private-address rule depends on the installation's policy: the service checks it.
        try:
            check_configured_url(url, None)
        except UnsafeTarget as error:
            raise ValueError(error.detail) from None
        return url


class OpenTicketAction(BaseModel):
    """A ticket requested by the account's first contact (skipped without contacts)."""

    model_config = _STRICT
    type: Literal["open_ticket"] = "open_ticket"
    subject: Annotated[str, Field(min_length=1, max_length=500)]
    description: Annotated[str, Field(min_length=1, max_length=20_000)]
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)

    _templates = field_validator("subject", "description")(_template)


class TagAccountAction(BaseModel):
    """Add tags to the account (kept in `custom_attributes.tags`)."""

    model_config = _STRICT
    type: Literal["tag_account"] = "tag_account"
    tags: Annotated[list[Tag], Field(min_length=1, max_length=20)]


class EnrolSurveyAction(BaseModel):
    """Record a survey enrolment of the account's first contact (or all its contacts) that the
    survey engine picks up (docs/playbooks.md, "Survey enrolments")."""

    model_config = _STRICT
    type: Literal["enrol_in_survey"] = "enrol_in_survey"
    survey: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")]
    contacts: Literal["first", "all"] = "first"


Action = Annotated[
    CreateTaskAction
    | SendEmailAction
    | WebhookAction
    | OpenTicketAction
    | TagAccountAction
    | EnrolSurveyAction,
    Field(discriminator="type"),
]


class PlaybookDefinition(BaseModel):
    model_config = _STRICT
    trigger: Trigger
    conditions: Annotated[list[AccountCondition], Field(max_length=20)] = Field(
        default_factory=list
    )
    actions: Annotated[list[Action], Field(min_length=1, max_length=10)]


def placeholder_values(
    facts: AccountFacts, *, playbook_name: str, summary: str, public_url: str
) -> dict[str, str]:
    return {
        "account.name": facts.name,
        "account.tier": facts.tier or "",
        "account.url": f"{public_url.rstrip('/')}/accounts/{facts.account_id}",
        "account.owner_name": facts.owner_name,
        "playbook.name": playbook_name,
        "trigger.summary": summary,
    }


def render(source: str, values: Mapping[str, str]) -> str:
    return render_template(source, values) if source else ""
