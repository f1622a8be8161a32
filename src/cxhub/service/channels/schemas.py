"""Channel request and response shapes: webhook sources, inbound messages, outbound replies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.timeline.schemas import EARLIEST_YEAR, LATEST_YEAR
from cxhub.service.channels.models import ChannelKind, ChannelSource
from cxhub.service.tickets.schemas import MAX_BODY_CHARS


class ChannelSourceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Website chat"])
    kind: ChannelKind
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("name must not be blank")
        return value


class ChannelSourceUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: ChannelKind | None = None
    active: bool | None = None


class ChannelSourceOut(BaseModel):
    id: int
    name: str
    kind: ChannelKind
    active: bool
    inbound_path: str = Field(description="Where the integration posts signed messages.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, source: ChannelSource) -> ChannelSourceOut:
        return cls(
            id=source.id,
            name=source.name,
            kind=source.kind,
            active=source.active,
            inbound_path=f"/api/v1/channels/{source.id}/inbound",
            created_at=source.created_at,
            updated_at=source.updated_at,
        )


class ChannelSourceCreated(ChannelSourceOut):
    secret: str = Field(
        description="The HMAC signing secret. Shown only in this response: store it now."
    )


class InboundAuthorIn(BaseModel):
    name: str | None = Field(default=None, max_length=240)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    social_handle: str | None = Field(default=None, max_length=200, examples=["twitter:@ada"])
    external_id: str | None = Field(
        default=None,
        max_length=150,
        description="The author's id on the channel's platform (scoped to this channel).",
    )


class InboundMessageIn(BaseModel):
    thread_id: str = Field(min_length=1, max_length=200, description="The conversation's id.")
    message_id: str = Field(
        min_length=1, max_length=200, description="Unique per message; a re-send is a no-op."
    )
    author: InboundAuthorIn
    text: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    occurred_at: AwareDatetime | None = None
    subject: str | None = Field(default=None, max_length=500)


class InboundOut(BaseModel):
    ticket_id: int
    ticket_number: int
    message_id: int
    created_ticket: bool
    duplicate: bool


class OutboundMessageOut(BaseModel):
    id: int = Field(description="The message id; pass the largest as `since_id` next time.")
    ticket_id: int
    ticket_number: int
    thread_id: str
    author_user_id: int | None
    body: str
    created_at: datetime


class OutboundPage(BaseModel):
    items: list[OutboundMessageOut]
    next_since_id: int = Field(description="Pass as `since_id` on the next poll.")


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


MAX_CALL_SECONDS = 7 * 24 * 3600


class CallCreate(BaseModel):
    """A phone call an agent logs: on the customer's timeline, and optionally on a ticket."""

    contact_id: int | None = Field(default=None, description="An existing contact.")
    contact: ContactCreate | None = Field(
        default=None, description="Identify (or create) the caller by phone, email, …"
    )
    direction: CallDirection
    started_at: AwareDatetime
    duration_seconds: int = Field(ge=0, le=MAX_CALL_SECONDS)
    notes: str = Field(default="", max_length=MAX_BODY_CHARS)
    recording_url: str | None = Field(default=None, max_length=2000)
    ticket_id: int | None = Field(
        default=None, description="Add the notes to this ticket as an internal note."
    )
    create_ticket: bool = Field(
        default=False, description="Open a phone ticket with the notes as its description."
    )
    subject: str | None = Field(default=None, max_length=500)

    @field_validator("recording_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ValueError("recording_url must be an http(s) URL")
        if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
            raise ValueError("recording_url must not contain spaces or control characters")
        return value

    @field_validator("started_at")
    @classmethod
    def _plausible_moment(cls, value: datetime) -> datetime:
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValueError(f"started_at must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
        return value

    @model_validator(mode="after")
    def _one_caller_one_target(self) -> CallCreate:
        if (self.contact_id is None) == (self.contact is None):
            raise ValueError("give exactly one of contact_id or contact")
        if self.ticket_id is not None and self.create_ticket:
            raise ValueError("give ticket_id or create_ticket, not both")
        return self


class CallOut(BaseModel):
    interaction_id: int
    contact_id: int
    ticket_id: int | None
    ticket_number: int | None
    created_ticket: bool
    note_message_id: int | None


class PublicTicketIn(BaseModel):
    """A ticket from a site's own contact form (no sign-in; rate-limited per client)."""

    name: str = Field(min_length=1, max_length=240)
    email: str = Field(min_length=3, max_length=320)
    subject: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1, max_length=20_000)
    website: str = Field(
        default="",
        max_length=500,
        description="Honeypot: render it hidden in your form and send it as typed; "
        "anything in it rejects the submission.",
    )


class PublicTicketOut(BaseModel):
    ticket_number: int
