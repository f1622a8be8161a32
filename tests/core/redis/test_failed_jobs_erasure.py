"""Erasing a contact deletes the Redis queue's failed-job records that name the person: the
payload (their contact or ticket ids, a text with their address) or the last error, with
dramatiq's dead-letter copy of each; other people's and other workspaces' records stay."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session

from cxhub.core.db import make_session_factory
from cxhub.core.jobs import JobRegistry, JobRequest, attach_job_outbox
from cxhub.core.redis_jobs import QUEUE_NAME, RedisJobQueue
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.privacy.erasure import erase_contact, finish_erasure, get_erasure
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.schemas import TicketCreate
from cxhub.service.tickets.service import create_ticket
from tests.core.redis.conftest import REDIS_URL
from tests.factories import Tenant, unique

#: What the failing mail job quotes in its error, by outbound id.
REFUSED: dict[int, str] = {}


@pytest.fixture
def serving(runtime: Runtime, redis_prefix: str) -> Iterator[RedisJobQueue]:
    registry = JobRegistry()

    @registry.register("mail.refused")
    def refused(session: Session, payload: dict[str, Any]) -> None:
        # Only the error names the person: the payload holds an id of no contact or ticket.
        raise ValueError(f"mailbox {REFUSED[payload['outbound_id']]} refused the message")

    factory = make_session_factory(runtime.engine)
    queue = RedisJobQueue(registry, factory, redis_url=REDIS_URL, key_prefix=redis_prefix)
    attach_job_outbox(factory, queue)
    stop, started = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=queue.serve, args=(stop,), kwargs={"on_started": started.set}, daemon=True
    )
    thread.start()
    assert started.wait(10)
    yield queue
    stop.set()
    thread.join(30)
    queue.shutdown()


def _person(tenant: Tenant, email: str) -> tuple[int, int]:
    with tenant.session() as session:
        contact = create_contact(
            session,
            workspace_id=tenant.workspace_id,
            data=ContactCreate(first_name="Ada", last_name=unique("L"), emails=[email]),
        )
        ticket, _ = create_ticket(
            session,
            workspace_id=tenant.workspace_id,
            data=TicketCreate(subject="Invoice", description="Hello", requester_id=contact.id),
            actor=Actor.customer(contact.id),
        )
        return contact.id, ticket.id


def test_the_file_part_deletes_the_failed_jobs_that_name_the_person(
    serving: RedisJobQueue,
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    runtime: Runtime,
    redis_client: redis.Redis,
) -> None:
    email = f"{unique('ada')}@example.test"
    contact_id, ticket_id = _person(tenant, email)
    other_contact, other_ticket = _person(tenant, f"{unique('bob')}@example.test")
    ws, elsewhere = tenant.workspace_id, other_tenant.workspace_id
    REFUSED[ticket_id + 10_000] = email
    naming = [
        JobRequest("no.such.job", ws, {"ticket_id": ticket_id}),
        JobRequest("no.such.job", ws, {"contact_ids": [contact_id], "forget": []}),
        JobRequest("no.such.job", ws, {"search": {"query": f"where is my order {email.upper()}"}}),
        JobRequest("mail.refused", ws, {"outbound_id": ticket_id + 10_000}),
    ]
    kept = [
        JobRequest("no.such.job", ws, {"ticket_id": other_ticket}),
        JobRequest("no.such.job", ws, {"contact_id": other_contact, "count": contact_id}),
        JobRequest("no.such.job", ws, {"search": {"query": f"write to x{email}"}}),
        JobRequest("no.such.job", elsewhere, {"search": {"query": email}}),
    ]
    for request in naming + kept:
        serving.submit(request)
    serving.drain(30)
    failed = serving.failed_jobs(limit=50)
    assert len(failed) == len(naming) + len(kept)
    dead_letters = f"{serving.namespace}:{QUEUE_NAME}.XQ"
    assert redis_client.zcard(dead_letters) == len(failed)

    with tenant.session() as session:
        record = erase_contact(
            session,
            contact_id=contact_id,
            actor_user_id=None,
            data_dir=settings.data_dir,
            failed_jobs_kept=True,
        )
        erasure_id = record.id
        session.info.pop("cxhub_pending_jobs", None)  # the file part runs below, with Redis
    assert finish_erasure(
        runtime.session_factory,
        workspace_id=ws,
        erasure_id=erasure_id,
        data_dir=settings.data_dir,
        job_queue=serving,
    )

    remaining = serving.failed_jobs(limit=50)
    assert sorted(str(job.payload) for job in remaining) == sorted(
        str(request.payload) for request in kept
    )
    # dramatiq's own dead-letter copies of the deleted ones are gone too
    assert redis_client.zcard(dead_letters) == len(kept)
    with tenant.session() as session:
        done = get_erasure(session, erasure_id=erasure_id)
        assert done.counts["failed_jobs_deleted"] == len(naming)
        assert done.pending == {}  # the identifiers looked for do not outlive the file part


def test_without_a_queue_that_keeps_failures_the_record_holds_no_identifiers(
    tenant: Tenant, settings: Settings
) -> None:
    email = f"{unique('ada')}@example.test"
    contact_id, _ticket_id = _person(tenant, email)
    with tenant.session() as session:
        record = erase_contact(
            session, contact_id=contact_id, actor_user_id=None, data_dir=settings.data_dir
        )
        assert "failed_jobs" not in record.pending
        assert email not in str(record.pending)
