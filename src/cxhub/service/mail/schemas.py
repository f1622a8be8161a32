"""E-mail channel request and response shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from cxhub.service.mail.models import InboundEmail, InboundStatus, Mailbox


class MailboxCreate(BaseModel):
    address: str = Field(min_length=3, max_length=320, examples=["support@acme.example"])
    display_name: str = Field(default="", max_length=200, examples=["Acme Support"])
    is_default: bool = Field(
        default=False, description="Send replies from this address (the first mailbox is)."
    )

    @field_validator("address")
    @classmethod
    def _looks_like_an_address(cls, value: str) -> str:
        value = value.strip()
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in value):
            raise ValueError("not an e-mail address")
        return value


class MailboxOut(BaseModel):
    id: int
    address: str
    display_name: str
    is_default: bool
    created_at: datetime

    @classmethod
    def of(cls, mailbox: Mailbox) -> MailboxOut:
        return cls(
            id=mailbox.id,
            address=mailbox.address,
            display_name=mailbox.display_name,
            is_default=mailbox.is_default,
            created_at=mailbox.created_at,
        )


class InboundAccepted(BaseModel):
    id: int
    status: InboundStatus


class InboundOut(BaseModel):
    id: int
    status: InboundStatus
    reason: str | None
    envelope_from: str
    recipients: list[str]
    sha256: str
    size_bytes: int
    message_id: str | None
    ticket_id: int | None
    received_at: datetime
    processed_at: datetime | None

    @classmethod
    def of(cls, inbound: InboundEmail) -> InboundOut:
        return cls(
            id=inbound.id,
            status=inbound.status,
            reason=inbound.reason,
            envelope_from=inbound.envelope_from,
            recipients=list(inbound.recipients),
            sha256=inbound.sha256,
            size_bytes=inbound.size_bytes,
            message_id=inbound.message_id,
            ticket_id=inbound.ticket_id,
            received_at=inbound.received_at,
            processed_at=inbound.processed_at,
        )
