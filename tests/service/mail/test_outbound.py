"""Outbound replies: retries with back-off against a relay that is down, honest failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from cxhub.api.app import create_app
from cxhub.core.db import utcnow
from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.service.mail.listener import MailboxReceiver
from cxhub.service.mail.models import OutboundEmail, OutboundStatus
from cxhub.service.mail.outbound import MAX_ATTEMPTS, NO_RELAY, RETRY_DUE
from cxhub.service.tickets.models import DeliveryStatus, Ticket, TicketMessage
from tests.factories import make_tenant
from tests.service.mail.conftest import Desk, customer_mail, send


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runtime_with(settings: Settings, **smtp: object) -> Iterator[tuple[Runtime, TestClient]]:
    active_settings = settings.model_copy(update=smtp)
    active = build_runtime(active_settings)
    with TestClient(create_app(active_settings, active)) as client:
        yield active, client
    active.close()


@pytest.fixture(scope="module")
def down(settings: Settings) -> Iterator[tuple[Runtime, TestClient]]:
    yield from _runtime_with(
        settings, smtp_host="127.0.0.1", smtp_port=_closed_port(), smtp_security="none"
    )


@pytest.fixture(scope="module")
def no_relay(settings: Settings) -> Iterator[tuple[Runtime, TestClient]]:
    yield from _runtime_with(settings, smtp_host=None)


def _desk_with_ticket(runtime: Runtime, client: TestClient) -> tuple[Desk, int]:
    tenant = make_tenant(runtime)
    address = f"support@{tenant.slug}.acme.test"
    created = client.post("/api/v1/mailboxes", json={"address": address}, headers=tenant.admin)
    assert created.status_code == 201, created.text
    receiver = MailboxReceiver(runtime, port=0)
    with receiver:
        send(receiver, customer_mail(to=address), to=address, sender="ann@customer.test")
    with tenant.session() as session:
        ticket_id = session.scalars(select(Ticket.id)).one()
    return Desk(tenant, address, address.split("@")[1]), ticket_id


def _reply(client: TestClient, desk: Desk, ticket_id: int) -> int:
    response = client.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"body": "Hi"}, headers=desk.tenant.admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _state(desk: Desk, message_id: int) -> tuple[TicketMessage, OutboundEmail]:
    with desk.tenant.session() as session:
        message = session.get(TicketMessage, message_id)
        row = session.scalars(select(OutboundEmail)).one()
        assert message is not None
        return message, row


def test_a_relay_that_is_down_is_retried_then_the_reply_fails_visibly(
    down: tuple[Runtime, TestClient],
) -> None:
    runtime, client = down
    desk, ticket_id = _desk_with_ticket(runtime, client)
    message_id = _reply(client, desk, ticket_id)
    message, row = _state(desk, message_id)
    assert (row.status, row.attempts) == (OutboundStatus.QUEUED, 1)
    assert row.next_attempt_at is not None
    assert timedelta(seconds=50) < row.next_attempt_at - utcnow() <= timedelta(minutes=1)
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert "attempt 1 failed" in (message.delivery_error or "")

    sweep = JobRequest(RETRY_DUE, desk.tenant.workspace_id)
    runtime.job_queue.submit(sweep)  # not due yet: nothing happens
    assert _state(desk, message_id)[1].attempts == 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        with desk.tenant.session() as session:
            session.execute(update(OutboundEmail).values(next_attempt_at=utcnow()))
        runtime.job_queue.submit(sweep)
        assert _state(desk, message_id)[1].attempts == attempt
    message, row = _state(desk, message_id)
    assert row.status == OutboundStatus.FAILED
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_attempts == MAX_ATTEMPTS
    assert f"gave up after {MAX_ATTEMPTS} attempts" in (message.delivery_error or "")
    shown = client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=desk.tenant.admin)
    assert shown.json()["items"][-1]["delivery_status"] == "failed"


def test_without_a_relay_the_reply_fails_at_once_and_can_be_resent(
    no_relay: tuple[Runtime, TestClient],
) -> None:
    runtime, client = no_relay
    desk, ticket_id = _desk_with_ticket(runtime, client)
    message_id = _reply(client, desk, ticket_id)
    message, _row = _state(desk, message_id)
    assert (message.delivery_status, message.delivery_error) == (DeliveryStatus.FAILED, NO_RELAY)
    resent = client.post(
        f"/api/v1/tickets/{ticket_id}/messages/{message_id}/resend", headers=desk.tenant.admin
    )
    assert resent.status_code == 200, resent.text
    assert resent.json()["delivery_status"] == "queued"
    assert _state(desk, message_id)[0].delivery_status == DeliveryStatus.FAILED  # still no relay
    first = _state(desk, message_id)[0]
    with desk.tenant.session() as session:
        customer_message = session.scalars(
            select(TicketMessage.id)
            .where(TicketMessage.ticket_id == ticket_id)
            .order_by(TicketMessage.id)
            .limit(1)
        ).one()
    conflict = client.post(
        f"/api/v1/tickets/{ticket_id}/messages/{customer_message}/resend",
        headers=desk.tenant.admin,
    )
    assert conflict.status_code == 409
    assert first.delivery_attempts == 0


def test_a_reply_without_a_mailbox_fails_with_the_reason(
    no_relay: tuple[Runtime, TestClient],
) -> None:
    runtime, client = no_relay
    tenant = make_tenant(runtime)
    created = client.post(
        "/api/v1/tickets",
        json={
            "subject": "s",
            "description": "d",
            "channel": "email",
            "requester": {"emails": ["bo@customer.test"]},
        },
        headers=tenant.admin,
    )
    ticket_id = created.json()["id"]
    reply = client.post(
        f"/api/v1/tickets/{ticket_id}/messages", json={"body": "Hi"}, headers=tenant.admin
    )
    assert reply.json()["delivery_status"] == "failed"
    assert reply.json()["delivery_error"] == "no support mailbox configured"


def test_the_sweeps_are_scheduled_every_30_seconds(runtime: Runtime) -> None:
    assert runtime.scheduler is not None
    periodic = {task.job_name: task.every_seconds for task in runtime.scheduler.tasks}
    assert periodic["mail.process_pending"] == 30
    assert periodic["mail.retry_due"] == 30
