"""The actions a rule can take, as a discriminated union on `type` (the stored JSON shape).

Field actions change the ticket snapshot (`engine.apply_field_actions`); the others become side
effects (`effects`). Templates are checked against every known placeholder here; each rule kind
then re-checks them against what it can actually offer (see `rules`).
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from pydantic.networks import validate_email

from cxhub.service.automations.conditions import (
    CUSTOM_FIELD_KEY,
    Scalar,
    TicketPriority,
    TicketStatus,
)
from cxhub.service.automations.templates import ALL_PLACEHOLDERS, validate_template

_STRICT = ConfigDict(extra="forbid", frozen=True)
Tag = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S+$")]
SubjectTemplate = Annotated[str, Field(min_length=1, max_length=500)]
BodyTemplate = Annotated[str, Field(min_length=1, max_length=20_000)]


class SetStatus(BaseModel):
    model_config = _STRICT
    type: Literal["set_status"] = "set_status"
    status: TicketStatus


class SetPriority(BaseModel):
    model_config = _STRICT
    type: Literal["set_priority"] = "set_priority"
    priority: TicketPriority


class SetType(BaseModel):
    model_config = _STRICT
    type: Literal["set_type"] = "set_type"
    ticket_type: Annotated[str, Field(min_length=1, max_length=100)] | None


class AssignAgent(BaseModel):
    """`user_id: null` unassigns."""

    model_config = _STRICT
    type: Literal["assign_agent"] = "assign_agent"
    user_id: Annotated[StrictInt, Field(gt=0)] | None


class AssignTeam(BaseModel):
    """`team_id: null` removes the team."""

    model_config = _STRICT
    type: Literal["assign_team"] = "assign_team"
    team_id: Annotated[StrictInt, Field(gt=0)] | None


class AddTags(BaseModel):
    model_config = _STRICT
    type: Literal["add_tags"] = "add_tags"
    tags: Annotated[list[Tag], Field(min_length=1, max_length=100)]


class RemoveTags(BaseModel):
    model_config = _STRICT
    type: Literal["remove_tags"] = "remove_tags"
    tags: Annotated[list[Tag], Field(min_length=1, max_length=100)]


class SetTags(BaseModel):
    """Replace every tag; an empty list clears them."""

    model_config = _STRICT
    type: Literal["set_tags"] = "set_tags"
    tags: Annotated[list[Tag], Field(max_length=100)]


class SetCustomField(BaseModel):
    """`value: null` clears the field."""

    model_config = _STRICT
    type: Literal["set_custom_field"] = "set_custom_field"
    key: str
    value: Scalar | None

    @field_validator("key")
    @classmethod
    def _valid_key(cls, key: str) -> str:
        if not CUSTOM_FIELD_KEY.fullmatch(key):
            raise ValueError("custom field keys are 1-64 letters, digits, '_' or '-'")
        return key


class AddFollower(BaseModel):
    model_config = _STRICT
    type: Literal["add_follower"] = "add_follower"
    user_id: Annotated[StrictInt, Field(gt=0)]


RecipientRole = Literal["requester", "assignee", "team"]
_ROLES: tuple[str, ...] = ("requester", "assignee", "team")


class Notify(BaseModel):
    """Recipients are roles resolved against the final ticket (`requester`, `assignee`, `team`),
    user ids, or email addresses."""

    model_config = _STRICT
    type: Literal["notify"] = "notify"
    recipients: Annotated[list[StrictStr | StrictInt], Field(min_length=1, max_length=50)]
    subject: SubjectTemplate
    body: BodyTemplate

    @field_validator("recipients")
    @classmethod
    def _valid_recipients(cls, recipients: list[str | int]) -> list[str | int]:
        for recipient in recipients:
            if isinstance(recipient, int):
                if recipient <= 0:
                    raise ValueError(f"user id {recipient} must be positive")
            elif recipient not in _ROLES:
                try:
                    validate_email(recipient)
                except ValueError as error:
                    raise ValueError(
                        f"recipient {recipient!r} is neither requester, assignee, team, "
                        "a user id nor an email address"
                    ) from error
        return recipients

    @field_validator("subject", "body")
    @classmethod
    def _valid_template(cls, template: str) -> str:
        validate_template(template, allowed=ALL_PLACEHOLDERS)
        return template


class ReplyPublic(BaseModel):
    """A reply the requester sees."""

    model_config = _STRICT
    type: Literal["reply_public"] = "reply_public"
    body: BodyTemplate

    @field_validator("body")
    @classmethod
    def _valid_template(cls, template: str) -> str:
        validate_template(template, allowed=ALL_PLACEHOLDERS)
        return template


class AddInternalNote(BaseModel):
    """A note only agents see."""

    model_config = _STRICT
    type: Literal["add_internal_note"] = "add_internal_note"
    body: BodyTemplate

    @field_validator("body")
    @classmethod
    def _valid_template(cls, template: str) -> str:
        validate_template(template, allowed=ALL_PLACEHOLDERS)
        return template


FieldAction: TypeAlias = (
    SetStatus | SetPriority | SetType | AssignAgent | AssignTeam | AddTags | RemoveTags | SetTags
    | SetCustomField
)  # fmt: skip
Action = Annotated[
    FieldAction | AddFollower | Notify | ReplyPublic | AddInternalNote,
    Field(discriminator="type"),
]
MacroAction = Annotated[FieldAction | ReplyPublic | AddInternalNote, Field(discriminator="type")]
