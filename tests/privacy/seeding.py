"""A person with data in every domain, and a search of every table and file for their traces.

`seed_person` goes through the real routes wherever one exists (tickets, mail intake, web form,
tracking, CSAT, merge); rows no route writes directly (a quarantined message naming them, an
agent notification, a failed login) are added with the models. `traces_of` reads every table of
`Base.metadata` (the workspace's rows, and every row of installation-wide tables), the search
index and the files under the data directory, and answers where any of the needles occurs.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from fastapi.testclient import TestClient
from sqlalchemy import select, text

import cxhub.models  # noqa: F401 - every table registered
from cxhub.core.db import SYSTEM_SCOPE, Base, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.people.models import LoginFailure
from cxhub.service.automations.models import UserNotification
from cxhub.service.channels.models import ChannelThread
from cxhub.service.mail.models import InboundEmail, InboundStatus
from cxhub.success.usage.compaction import compact
from cxhub.success.usage.storage import workspace_dir
from tests.factories import Tenant, unique
from tests.success.usage.conftest import basic, issue_write_key


@dataclass
class Person:
    contact_id: int
    duplicate_id: int
    first_name: str
    surname: str
    email: str
    second_email: str
    phone_typed: str
    phone: str
    external_id: str
    anonymous_id: str
    attachment_sha256: str
    ticket_ids: list[int] = field(default_factory=list)
    tracking: dict[str, str] = field(default_factory=dict)

    @property
    def needles(self) -> list[str]:
        return [
            self.surname.lower(),
            self.email.lower(),
            self.second_email.lower(),
            self.phone,
            self.phone_typed,
            self.external_id.lower(),
            self.anonymous_id.lower(),
        ]


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    return _ok(client.post(f"/api/v1{path}", json=body, headers=tenant.admin))


def _phone() -> tuple[str, str]:
    digits = "".join(random.choice("0123456789") for _ in range(7))
    return f"+44 20 {digits[:3]} {digits[3:]}", f"+4420{digits}"


def seed_person(
    client: TestClient, tenant: Tenant, runtime: Runtime, *, first_name: str = "Ada"
) -> Person:
    surname = unique("Qarvell").capitalize()
    email = f"{unique(first_name.lower() + '.')}@example.org"
    second_email = f"{unique(first_name.lower() + '.alt.')}@example.net"
    phone_typed, phone = _phone()
    external_id = unique("usr_")
    anonymous_id = unique("anon-")
    account = _post(client, tenant, "/accounts", {"name": unique("Analytical Engines ")})
    contact = _post(
        client,
        tenant,
        "/contacts",
        {
            "first_name": first_name,
            "last_name": surname,
            "emails": [email],
            "phones": [phone_typed],
            "external_ids": [external_id],
            "account_id": account["id"],
            "custom_attributes": {"nickname": f"{first_name} {surname}"},
        },
    )
    duplicate = _post(
        client,
        tenant,
        "/contacts",
        {"first_name": first_name, "last_name": surname, "emails": [second_email]},
    )
    _post(client, tenant, f"/contacts/{contact['id']}/merge", {"loser_id": duplicate["id"]})
    _post(
        client,
        tenant,
        "/tasks",
        {
            "account_id": account["id"],
            "contact_id": contact["id"],
            "title": f"Call {first_name} {surname} back",
            "notes": f"Reach them on {phone_typed}",
        },
    )
    _post(
        client,
        tenant,
        "/tasks",
        {"account_id": account["id"], "title": "Renewal prep", "notes": f"cc {email}"},
    )

    content = f"Passport scan of {first_name} {surname}".encode()
    upload = _ok(
        client.post(
            "/api/v1/attachments",
            files={"file": (f"{surname}.txt", content, "text/plain")},
            headers=tenant.admin,
        )
    )
    ticket = _post(
        client,
        tenant,
        "/tickets",
        {
            "subject": f"Refund for {surname}",
            "description": f"Call me on {phone_typed}, {first_name} {surname}",
            "requester_id": contact["id"],
            "attachment_ids": [upload["id"]],
            "custom_fields": {"callback": phone_typed},
        },
    )
    _post(
        client,
        tenant,
        f"/tickets/{ticket['id']}/messages",
        {"body": f"Hi {first_name} {surname}, refunded.", "public": True},
    )
    _post(
        client,
        tenant,
        f"/tickets/{ticket['id']}/messages",
        {"body": f"Note: also writes from {second_email}", "public": False},
    )
    _ok(
        client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=tenant.admin
        )
    )
    _post(
        client,
        tenant,
        f"/tickets/{ticket['id']}/csat",
        {"score": 5, "comment": f"Thanks, {surname} here"},
    )
    _post(
        client,
        tenant,
        "/interactions",
        {
            "kind": "call.inbound",
            "channel": "phone",
            "contact_id": contact["id"],
            "summary": f"{surname} called from {phone_typed}",
            "payload": {"email": email},
            "external_id": unique(f"{surname}-call-"),
            "occurred_at": "2026-05-01T10:00:00Z",
        },
    )

    # E-mail: a message from them makes a ticket; the agent's reply queues outbound mail.
    domain = f"{unique('d')}.support.test"
    _post(client, tenant, "/mailboxes", {"address": f"help@{domain}", "display_name": "Help"})
    raw = (
        f"From: {first_name} {surname} <{email}>\r\nTo: help@{domain}\r\n"
        f"Subject: Invoice question\r\nMessage-ID: <{unique('m')}@example.org>\r\n\r\n"
        f"My number is {phone_typed}.\r\n"
    ).encode()
    accepted = _ok(
        client.post(
            "/api/v1/mail/inbound",
            content=raw,
            headers={**tenant.admin, "Content-Type": "message/rfc822"},
        )
    )
    # Web form.
    _post(
        client,
        tenant,
        f"/public/{tenant.slug}/tickets",
        {
            "name": f"{first_name} {surname}",
            "email": email,
            "subject": "Form",
            "description": f"Phone {phone_typed}",
        },
    )
    with tenant.session() as session:
        mailed = session.scalar(
            select(InboundEmail.ticket_id).where(InboundEmail.id == accepted["id"])
        )
        assert mailed is not None, "the e-mail did not make a ticket"
    _post(client, tenant, f"/tickets/{mailed}/messages", {"body": "We are on it.", "public": True})
    tickets = _ok(client.get(f"/api/v1/tickets?requester_id={contact['id']}", headers=tenant.admin))

    # Rows no route writes on its own here.
    with tenant.session() as session:
        session.add(
            InboundEmail(
                raw=f"From: someone@else.test\r\n\r\nForwarding for {email}\r\n".encode(),
                envelope_from="someone@else.test",
                recipients=[f"help@{domain}"],
                sha256="0" * 64,
                status=InboundStatus.QUARANTINED,
                reason="no mailbox",
            )
        )
        session.add(
            UserNotification(
                user_id=tenant.user_ids[Role.AGENT],
                ticket_id=ticket["id"],
                subject=f"New ticket from {first_name} {surname}",
                body=f"{email} wrote in",
            )
        )
        session.add(UserNotification(email=email, subject="Your ticket", body="Hello"))
        session.add(ChannelThread(scope="sms", thread_key=phone, ticket_id=ticket["id"]))
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        session.add(LoginFailure(email=email, failure_count=2, last_failed_at=datetime.now(UTC)))

    # Product usage: identify, track and page calls (see `compact_events`, `track_later`).
    key = basic(issue_write_key(client, tenant))
    calls = [
        (
            "identify",
            {
                "userId": external_id,
                "anonymousId": anonymous_id,
                "traits": {"email": email, "name": f"{first_name} {surname}"},
            },
        ),
        (
            "track",
            {"userId": external_id, "event": "Report Exported", "properties": {"phone": phone}},
        ),
        (
            "page",
            {"anonymousId": anonymous_id, "name": "Pricing", "context": {"ip": "203.0.113.9"}},
        ),
    ]
    for call, body in calls:
        _ok(client.post(f"/v1/{call}", json={"messageId": unique("msg-"), **body}, headers=key))
    import hashlib

    return Person(
        contact_id=contact["id"],
        duplicate_id=duplicate["id"],
        first_name=first_name,
        surname=surname,
        email=email,
        second_email=second_email,
        phone_typed=phone_typed,
        phone=phone,
        external_id=external_id,
        anonymous_id=anonymous_id,
        attachment_sha256=hashlib.sha256(content).hexdigest(),
        ticket_ids=[t["id"] for t in tickets["items"]],
        tracking=key,
    )


def compact_events(tenant: Tenant, runtime: Runtime) -> None:
    """Move every inbox event to Parquet (once per test: on SQLite, ids restart after the inbox
    empties, and a second compaction would meet file names it already wrote)."""
    with tenant.session() as session:
        compact(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=runtime.settings.data_dir,
            older_than=datetime.now(UTC) + timedelta(days=1),
        )


def track_later(client: TestClient, person: Person) -> None:
    """One more event of the person's browser, left in the inbox."""
    _ok(
        client.post(
            "/v1/track",
            json={
                "messageId": unique("msg-"),
                "anonymousId": person.anonymous_id,
                "event": "Login",
            },
            headers=person.tracking,
        )
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="ignore").lower()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).lower()
    return str(value).lower()


def traces_of(runtime: Runtime, *, workspace_id: int, needles: list[str]) -> list[str]:
    """Where any needle occurs: `table.column` for rows, paths for files."""
    found: set[str] = set()
    lowered = [n.lower() for n in needles]
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        for table in Base.metadata.sorted_tables:
            statement = select(table)
            if "workspace_id" in table.c:
                statement = statement.where(table.c.workspace_id == workspace_id)
            for row in session.execute(statement).mappings():
                for column, value in row.items():
                    value_text = _text(value)
                    if any(n in value_text for n in lowered):
                        found.add(f"{table.name}.{column}")
        postgres = session.get_bind().dialect.name == "postgresql"
        documents = session.execute(
            text(
                "SELECT document::text FROM ticket_search"
                if postgres
                else "SELECT document FROM ticket_search"
            )
        ).scalars()
        for document in documents:
            if any(n in _text(document) for n in lowered):
                found.add("ticket_search.document")
        if not postgres:  # FTS5's own tables: the inverted index segments, the content copy
            shadows = session.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'ticket\\_search\\_%' ESCAPE '\\'"
                )
            ).scalars()
            for shadow in list(shadows):
                for row in session.execute(text(f'SELECT * FROM "{shadow}"')):  # noqa: S608
                    if any(n in _text(value) for value in row for n in lowered):
                        found.add(f"{shadow} (search index)")
            # The segments are prefix-compressed against neighbouring terms, so a term can be
            # in the index without its bytes appearing whole: ask the index itself as well.
            for needle in lowered:
                phrase = '"' + needle.replace('"', '""') + '"'
                hit = session.execute(
                    text(
                        "SELECT s.rowid FROM ticket_search AS s JOIN tickets AS t "
                        "ON t.id = s.rowid WHERE ticket_search MATCH :q "
                        "AND t.workspace_id = :workspace LIMIT 1"
                    ),
                    {"q": phrase, "workspace": workspace_id},
                ).first()
                if hit is not None:
                    found.add("ticket_search_data (search index)")
    data_dir = runtime.settings.data_dir
    for path in sorted((data_dir / "attachments").rglob("*")):
        if path.is_file() and any(n.encode() in path.read_bytes().lower() for n in lowered):
            found.add(str(path))
    events = sorted(workspace_dir(data_dir, workspace_id).rglob("*.parquet"))
    if events:
        with duckdb.connect() as connection:
            rows = connection.execute(
                "SELECT * FROM read_parquet(?)", [[str(p) for p in events]]
            ).fetchall()
        for row in rows:
            if any(n in _text(list(map(str, row))) for n in lowered):
                found.add("events parquet")
    return sorted(found)


def parquet_user_ids(data_dir: Path, workspace_id: int) -> set[str]:
    events = sorted(workspace_dir(data_dir, workspace_id).rglob("*.parquet"))
    if not events:
        return set()
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT DISTINCT user_id FROM read_parquet(?) WHERE user_id IS NOT NULL",
            [[str(p) for p in events]],
        ).fetchall()
    return {row[0] for row in rows}
