"""Builders of tickets with chosen times, channels, topics and customer messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage
from tests.factories import Tenant


def ticket(
    client: TestClient,
    tenant: Tenant,
    *,
    email: str,
    channel: str,
    created_at: datetime,
    text: str = "a question",
    **values: Any,
) -> int:
    response = client.post(
        "/api/v1/tickets",
        json={
            "subject": "s",
            "description": text,
            "channel": channel,
            "requester": {"emails": [email]},
        },
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    ticket_id = int(response.json()["id"])
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        row.created_at = created_at
        for name, value in values.items():
            setattr(row, name, value)
        for message in session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
        ):
            message.created_at = created_at
        # The text analytics job ran on the description: each test states its own topics.
        session.execute(delete(TextAnalysisRecord).where(TextAnalysisRecord.ticket_id == ticket_id))
    return ticket_id


def customer_message(tenant: Tenant, ticket_id: int, *, channel: str, text: str) -> None:
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        session.add(
            TicketMessage(
                ticket_id=ticket_id,
                author_kind=AuthorKind.CUSTOMER,
                author_contact_id=row.requester_id,
                channel=channel,
                body_text=text,
                created_at=row.created_at,
            )
        )


def analysed(
    tenant: Tenant,
    ticket_id: int,
    *,
    topics: list[str],
    sentiment: str = "neutral",
    score: float = 0.0,
    at: datetime | None = None,
) -> None:
    """A text-analysis result of the ticket's first customer message."""
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        message = session.scalar(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id)
            .order_by(TicketMessage.id)
            .limit(1)
        )
        assert message is not None
        session.add(
            TextAnalysisRecord(
                source_type=SOURCE_TICKET_MESSAGE,
                source_id=message.id,
                ticket_id=ticket_id,
                contact_id=row.requester_id,
                account_id=row.account_id,
                language="en",
                sentiment=sentiment,
                sentiment_score=score,
                topics=topics,
                mode="fast",
                model_version="test",
                text_written_at=at or row.created_at,
            )
        )


def requester_of(tenant: Tenant, ticket_id: int) -> int:
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        return int(row.requester_id)
