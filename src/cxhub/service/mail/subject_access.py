"""A person's stored mail for a data-subject export (GDPR art. 15): the messages received on
their tickets or from their addresses (quarantined ones included), as received, and the mail
sent to them. Erasure (`service/mail/erasure.py`) covers the same rows."""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cxhub.service.mail.models import InboundEmail, OutboundEmail
from cxhub.service.mail.schemas import InboundOut


class InboundMailExport(InboundOut):
    raw_base64: str = Field(description="The message exactly as received (RFC 5322), base64.")


class OutboundMailExport(BaseModel):
    id: int
    ticket_id: int | None  # None for mail about no ticket (e.g. a portal sign-in link)
    kind: str
    to: str
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    raw_base64: str = Field(description="The message as sent (RFC 5322), base64.")


def export_for_person(
    session: Session, *, ticket_ids: list[int], emails: list[str]
) -> tuple[list[InboundMailExport], list[OutboundMailExport]]:
    lowered = [e.lower() for e in emails]
    inbound = list(
        session.scalars(
            select(InboundEmail)
            .where(
                or_(
                    InboundEmail.ticket_id.in_(ticket_ids),
                    func.lower(InboundEmail.envelope_from).in_(lowered),
                )
            )
            .order_by(InboundEmail.id)
        )
    )
    outbound = list(
        session.scalars(
            select(OutboundEmail)
            .where(
                or_(
                    OutboundEmail.ticket_id.in_(ticket_ids),
                    func.lower(OutboundEmail.to).in_(lowered),
                )
            )
            .order_by(OutboundEmail.id)
        )
    )
    return (
        [
            InboundMailExport(
                **InboundOut.of(row).model_dump(), raw_base64=base64.b64encode(row.raw).decode()
            )
            for row in inbound
        ],
        [
            OutboundMailExport(
                id=row.id,
                ticket_id=row.ticket_id,
                kind=row.kind,
                to=row.to,
                subject=row.subject,
                status=str(row.status),
                created_at=row.created_at,
                sent_at=row.sent_at,
                raw_base64=base64.b64encode(row.raw).decode(),
            )
            for row in outbound
        ],
    )
