"""Ticket request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets.models import (
    AuthorKind,
    DeliveryStatus,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

MAX_TAGS = 50
MAX_BODY_CHARS = 200_000


def _clean_tags(values: list[str] | None) -> list[str] | None:
    """Tags are lower-case words without spaces (as in Zendesk); duplicates are dropped."""
    if values is None:
        return None
    cleaned: list[str] = []
    for raw in values:
        tag = "_".join(raw.strip().lower().split())
        if not tag:
            continue
        if len(tag) > 100:
            raise ValueError(f"tag longer than 100 characters: {tag[:20]}…")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


class TicketRequester(ContactCreate):
    """Who asked: matched to an existing contact by any identifier, or created."""


class TicketCreate(BaseModel):
    subject: str = Field(min_length=1, max_length=500)
    description: str = Field(
        min_length=1,
        max_length=MAX_BODY_CHARS,
        description="The first message of the thread, written by the requester.",
    )
    requester_id: int | None = Field(default=None, description="An existing contact.")
    requester: TicketRequester | None = Field(
        default=None, description="Identify (or create) the requester by email, phone, …"
    )
    priority: TicketPriority = TicketPriority.NORMAL
    ticket_type: str | None = Field(default=None, max_length=64, examples=["question"])
    channel: Channel = Channel.API
    assignee_id: int | None = None
    team_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    language: str | None = Field(default=None, max_length=16)
    external_id: str | None = Field(
        default=None, max_length=200, description="Your id; re-sending it returns the same ticket."
    )
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)

    _tags = field_validator("tags")(_clean_tags)

    @field_validator("subject")
    @classmethod
    def _subject_not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("subject must not be blank")
        return value

    @model_validator(mode="after")
    def _one_requester(self) -> TicketCreate:
        if (self.requester_id is None) == (self.requester is None):
            raise ValueError("give exactly one of requester_id or requester")
        return self


class TicketUpdate(BaseModel):
    """Partial update. `tags` replaces the set; `add_tags`/`remove_tags` edit it."""

    subject: str | None = Field(default=None, min_length=1, max_length=500)
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    ticket_type: str | None = Field(default=None, max_length=64)
    assignee_id: int | None = None
    team_id: int | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    add_tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    remove_tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] | None = Field(
        default=None, description="Merged into the existing fields; a null value removes a key."
    )
    follower_ids: list[int] | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=16)

    _tags = field_validator("tags", "add_tags", "remove_tags")(_clean_tags)


class BulkUpdateRequest(BaseModel):
    ticket_ids: list[int] = Field(min_length=1, max_length=100)
    changes: TicketUpdate


class BulkFailureOut(BaseModel):
    ticket_id: int
    type: str = Field(description="The problem type slug, e.g. `illegal-status-transition`.")
    detail: str


class BulkUpdateOut(BaseModel):
    updated: list[int]
    failed: list[BulkFailureOut]


class MessageCreate(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    public: bool = Field(default=True, description="False for an internal note (agents only).")
    as_customer: bool = Field(
        default=False,
        description="Record the message as written by the requester (integrations, chat).",
    )
    status: TicketStatus | None = Field(
        default=None, description="Change the status in the same step (reply and set pending)."
    )
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _customer_messages_are_public(self) -> MessageCreate:
        if self.as_customer and not self.public:
            raise ValueError("a customer message cannot be an internal note")
        return self


class MergeTicketsRequest(BaseModel):
    source_ids: list[int] = Field(min_length=1, max_length=50)


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    url: str

    @classmethod
    def of(cls, attachment: TicketAttachment) -> AttachmentOut:
        return cls.from_values(
            id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size_bytes=attachment.size_bytes,
            sha256=attachment.sha256,
        )

    @classmethod
    def from_values(
        cls, *, id: int, filename: str, content_type: str, size_bytes: int, sha256: str
    ) -> AttachmentOut:
        """From plain column values: a thread page reads its attachments as rows, not entities
        (`listing.message_outs`)."""
        return cls(
            id=id,
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            sha256=sha256,
            url=f"/api/v1/attachments/{id}",
        )


class MessageOut(BaseModel):
    id: int
    ticket_id: int
    author_kind: AuthorKind
    author_user_id: int | None
    author_contact_id: int | None
    public: bool
    channel: Channel
    body: str
    body_html: str | None
    email_message_id: str | None
    delivery_status: DeliveryStatus | None
    delivery_error: str | None
    attachments: list[AttachmentOut]
    created_at: datetime

    @classmethod
    def of(
        cls, message: TicketMessage, *, attachments: list[AttachmentOut] | None = None
    ) -> MessageOut:
        """`attachments`, when given, are used instead of the message's relationship (a thread
        page reads them for all its messages at once: `listing.message_outs`)."""
        return cls(
            id=message.id,
            ticket_id=message.ticket_id,
            author_kind=message.author_kind,
            author_user_id=message.author_user_id,
            author_contact_id=message.author_contact_id,
            public=message.is_public,
            channel=message.channel,
            body=message.body_text,
            body_html=message.body_html,
            email_message_id=message.email_message_id,
            delivery_status=message.delivery_status,
            delivery_error=message.delivery_error,
            attachments=[AttachmentOut.of(a) for a in message.attachments]
            if attachments is None
            else attachments,
            created_at=message.created_at,
        )


class TicketOut(BaseModel):
    id: int
    number: int
    subject: str
    status: TicketStatus
    priority: TicketPriority
    ticket_type: str | None
    channel: Channel
    requester_id: int
    account_id: int | None
    assignee_id: int | None
    team_id: int | None
    tags: list[str]
    follower_ids: list[int]
    custom_fields: dict[str, Any]
    language: str | None
    is_spam: bool
    merged_into_id: int | None
    follow_up_of_id: int | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    first_replied_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    next_sla_due_at: datetime | None
    sla_breached: bool

    @classmethod
    def of(
        cls,
        ticket: Ticket,
        *,
        tags: list[str] | None = None,
        follower_ids: list[int] | None = None,
    ) -> TicketOut:
        """`tags`/`follower_ids`, when given, are used instead of the ticket's relationships
        (a list reads them for the whole page at once: `listing.ticket_outs`)."""
        return cls(
            id=ticket.id,
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            ticket_type=ticket.ticket_type,
            channel=ticket.channel,
            requester_id=ticket.requester_id,
            account_id=ticket.account_id,
            assignee_id=ticket.assignee_id,
            team_id=ticket.team_id,
            tags=ticket.tags if tags is None else tags,
            follower_ids=ticket.follower_ids if follower_ids is None else follower_ids,
            custom_fields=ticket.custom_fields,
            language=ticket.language,
            is_spam=ticket.is_spam,
            merged_into_id=ticket.merged_into_id,
            follow_up_of_id=ticket.follow_up_of_id,
            external_id=ticket.external_id,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            status_changed_at=ticket.status_changed_at,
            first_replied_at=ticket.first_replied_at,
            solved_at=ticket.solved_at,
            closed_at=ticket.closed_at,
            reopen_count=ticket.reopen_count,
            next_sla_due_at=ticket.next_sla_due_at,
            sla_breached=ticket.sla_breached,
        )
