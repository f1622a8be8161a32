"""Retention policies: the admin API, and the job removing what is older, on hand-made ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cxhub.cli import app as cli_app
from cxhub.core.audit import AuditEntry
from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.redaction import RETENTION_MARKER
from cxhub.core.runtime import Runtime
from cxhub.people.models import LoginFailure
from cxhub.privacy.retention import apply_login_failure_retention, apply_retention
from cxhub.service.mail.models import InboundEmail, InboundStatus, OutboundEmail, OutboundStatus
from cxhub.service.tickets.attachments import AttachmentStore
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage, TicketStatus
from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.storage import day_dir, file_name
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = {
    "closed_ticket_messages_days": 90,
    "inbound_mail_days": 30,
    "quarantined_mail_days": 14,
    "outbound_mail_days": 30,
    "usage_events_days": 365,
    "audit_log_days": 730,
}


def _ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def _put(client: TestClient, tenant: Tenant, body: dict[str, object], role: Role = Role.ADMIN):  # type: ignore[no-untyped-def]
    return client.put("/api/v1/privacy/retention", json=body, headers=tenant.headers(role))


def test_policy_round_trip_is_audited(client: TestClient, tenant: Tenant) -> None:
    empty = client.get("/api/v1/privacy/retention", headers=tenant.admin)
    assert empty.status_code == 200
    assert all(empty.json()[name] is None for name in POLICY)
    saved = _put(client, tenant, POLICY)
    assert saved.status_code == 200, saved.text
    assert {k: saved.json()[k] for k in POLICY} == POLICY
    assert saved.json()["updated_by_user_id"] == tenant.user_ids[Role.ADMIN]
    replaced = _put(client, tenant, {"audit_log_days": 400}).json()
    assert replaced["audit_log_days"] == 400
    assert replaced["inbound_mail_days"] is None
    audit = client.get(
        "/api/v1/audit", params={"action": "privacy.retention_updated"}, headers=tenant.admin
    ).json()["items"]
    assert [a["detail"]["after"]["audit_log_days"] for a in audit] == [400, 730]
    assert audit[0]["detail"]["before"]["inbound_mail_days"] == 30


@pytest.mark.parametrize(
    "body",
    [
        {"audit_log_days": 364},  # below the one-year floor
        {"closed_ticket_messages_days": 29},
        {"usage_events_days": 0},
        {"inbound_mail_days": 36_501},
        {"inbound_mail_days": "soon"},
        {"kept_forever": 1},  # unknown kind
    ],
)
def test_out_of_bounds_policies_are_refused(
    client: TestClient, tenant: Tenant, body: dict[str, object]
) -> None:
    assert_problem(_put(client, tenant, body), 422, "validation-error")
    assert (
        client.get("/api/v1/privacy/retention", headers=tenant.admin).json()["audit_log_days"]
        is None
    )


def test_only_admins_see_or_set_retention(client: TestClient, tenant: Tenant) -> None:
    for role in (Role.AGENT, Role.CSM, Role.ANALYST, Role.VIEWER):
        assert_problem(_put(client, tenant, POLICY, role), 403, "forbidden")
        denied = client.get("/api/v1/privacy/retention", headers=tenant.headers(role))
        assert_problem(denied, 403, "forbidden")


def test_each_workspace_has_its_own_policy(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert _put(client, tenant, POLICY).status_code == 200
    theirs = client.get("/api/v1/privacy/retention", headers=other_tenant.admin).json()
    assert theirs["audit_log_days"] is None


def _ticket(
    client: TestClient, tenant: Tenant, *, closed_days_ago: float | None, now: datetime
) -> int:
    upload = client.post(
        "/api/v1/attachments",
        files={"file": ("scan.txt", unique("scan ").encode(), "text/plain")},
        headers=tenant.admin,
    ).json()
    ticket = client.post(
        "/api/v1/tickets",
        json={
            "subject": "s",
            "description": unique("body "),
            "requester": {"emails": [f"{unique('r')}@x.org"]},
            "attachment_ids": [upload["id"]],
        },
        headers=tenant.admin,
    ).json()
    if closed_days_ago is not None:
        with tenant.session() as session:
            row = session.get(Ticket, ticket["id"])
            assert row is not None
            row.status = TicketStatus.CLOSED
            row.closed_at = _ago(closed_days_ago, now)
    return int(ticket["id"])


def _seed_ages(
    client: TestClient, tenant: Tenant, runtime: Runtime, now: datetime = NOW
) -> dict[str, int]:
    """Two tickets closed before the 90-day cutoff, one after, one open; and one row older and
    one younger than the cutoff of each other kind (quarantine: one more, younger)."""
    ids = {
        "old_closed": _ticket(client, tenant, closed_days_ago=120, now=now),
        "old_closed_2": _ticket(client, tenant, closed_days_ago=95, now=now),
        "recent_closed": _ticket(client, tenant, closed_days_ago=10, now=now),
        "open": _ticket(client, tenant, closed_days_ago=None, now=now),
    }
    with tenant.session() as session:
        for days, status in (
            (40, InboundStatus.PROCESSED),
            (20, InboundStatus.PROCESSED),
            (40, InboundStatus.QUARANTINED),
            (20, InboundStatus.QUARANTINED),
            (5, InboundStatus.QUARANTINED),
        ):
            session.add(
                InboundEmail(raw=b"x", sha256="0" * 64, status=status, received_at=_ago(days, now))
            )
        for days, out_status in (
            (40, OutboundStatus.SENT),
            (40, OutboundStatus.QUEUED),
            (3, OutboundStatus.SENT),
        ):
            session.add(
                OutboundEmail(
                    ticket_id=ids["open"],
                    envelope_from="a@x",
                    to="b@x",
                    subject="s",
                    message_id=unique("<m"),
                    raw=b"x",
                    status=out_status,
                    created_at=_ago(days, now),
                )
            )
        for days in (400, 10):
            session.add(
                UsageEvent(
                    message_id=unique("m"),
                    type="track",
                    event="E",
                    timestamp=_ago(days, now),
                    received_at=_ago(days, now),
                    properties={},
                    context={},
                )
            )
        for days in (800, 10):
            session.add(
                AuditEntry(
                    action="test.aged", target_type="t", target_id=1, occurred_at=_ago(days, now)
                )
            )
    data_dir = runtime.settings.data_dir
    with duckdb.connect() as connection:
        for days, first in ((500, 900_001), (30, 900_002)):
            target = day_dir(data_dir, tenant.workspace_id, _ago(days, now).date()) / file_name(
                first, first
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(f"COPY (SELECT {first} AS id) TO '{target}' (FORMAT PARQUET)")
    return ids


def _counts(tenant: Tenant) -> dict[str, int]:
    with tenant.session() as session:
        return {
            "inbound_processed": session.scalar(
                select(func.count(InboundEmail.id)).where(
                    InboundEmail.status == InboundStatus.PROCESSED
                )
            )
            or 0,
            "inbound_quarantined": session.scalar(
                select(func.count(InboundEmail.id)).where(
                    InboundEmail.status == InboundStatus.QUARANTINED
                )
            )
            or 0,
            "outbound": session.scalar(select(func.count(OutboundEmail.id))) or 0,
            "usage": session.scalar(select(func.count(UsageEvent.id))) or 0,
            "audit_aged": session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "test.aged")
            )
            or 0,
        }


def _attachment_files(tenant: Tenant, ticket_id: int) -> list[str]:
    with tenant.session() as session:
        return list(
            session.scalars(
                select(TicketAttachment.sha256)
                .join(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
                .where(TicketMessage.ticket_id == ticket_id)
            )
        )


def _bodies(tenant: Tenant, ticket_id: int) -> set[str]:
    with tenant.session() as session:
        return set(
            session.scalars(
                select(TicketMessage.body_text).where(TicketMessage.ticket_id == ticket_id)
            )
        )


def test_retention_removes_only_what_is_older_in_bounded_batches(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    ids = _seed_ages(client, tenant, runtime)
    assert _put(client, tenant, POLICY).status_code == 200
    data_dir: Path = runtime.settings.data_dir
    before = _counts(tenant)
    old_files = _attachment_files(tenant, ids["old_closed"]) + _attachment_files(
        tenant, ids["old_closed_2"]
    )
    assert len(old_files) == 2

    with tenant.session() as session:
        dry = apply_retention(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            batch_size=1,
            now=NOW,
            dry_run=True,
        )
    remaining = {rule.kind: rule.remaining for rule in dry.rules}
    assert remaining == {
        "closed_ticket_messages": 2,
        "inbound_mail": 1,
        "quarantined_mail": 2,  # 40 and 20 days old, cutoff 14
        "outbound_mail": 1,
        "usage_events": 2,  # one inbox event, one Parquet file
        "audit_log": 1,
    }
    assert all(rule.removed == 0 for rule in dry.rules)
    assert _counts(tenant) == before

    with tenant.session() as session:
        first = apply_retention(
            session, workspace_id=tenant.workspace_id, data_dir=data_dir, batch_size=1, now=NOW
        )
    by_kind = {rule.kind: rule for rule in first.rules}
    assert by_kind["closed_ticket_messages"].removed == 1  # one ticket per batch of 1
    assert by_kind["closed_ticket_messages"].remaining == 1
    assert by_kind["usage_events"].removed == 2  # one inbox row + one day partition's file

    with tenant.session() as session:
        second = apply_retention(
            session, workspace_id=tenant.workspace_id, data_dir=data_dir, batch_size=1, now=NOW
        )
    assert all(rule.remaining == 0 for rule in second.rules)

    assert _bodies(tenant, ids["old_closed"]) == {RETENTION_MARKER}
    store = AttachmentStore(data_dir / "attachments")
    for kind, ticket_id in ids.items():
        files = _attachment_files(tenant, ticket_id)
        if kind.startswith("old_closed"):
            assert files == [], "the attachment rows of redacted threads are deleted"
        else:
            assert files
            assert all(store.path_for(digest).exists() for digest in files)
    assert not any(store.path_for(d).exists() for d in old_files), "their files are deleted"
    assert _bodies(tenant, ids["old_closed_2"]) == {RETENTION_MARKER}
    assert RETENTION_MARKER not in _bodies(tenant, ids["recent_closed"])
    assert RETENTION_MARKER not in _bodies(tenant, ids["open"])
    after = _counts(tenant)
    assert after == {
        "inbound_processed": before["inbound_processed"] - 1,
        "inbound_quarantined": before["inbound_quarantined"] - 2,
        "outbound": before["outbound"] - 1,  # the old queued one stays
        "usage": before["usage"] - 1,
        "audit_aged": before["audit_aged"] - 1,
    }
    days = sorted(
        p.name for p in (data_dir / "events" / f"workspace_id={tenant.workspace_id}").iterdir()
    )
    assert days == [f"day={_ago(30).date().isoformat()}"]
    applied = client.get(
        "/api/v1/audit", params={"action": "privacy.retention_applied"}, headers=tenant.admin
    ).json()["items"]
    assert len(applied) == 2
    assert applied[-1]["detail"]["closed_ticket_messages"] == 1


def test_no_policy_removes_nothing(client: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    _seed_ages(client, tenant, runtime)
    before = _counts(tenant)
    with tenant.session() as session:
        report = apply_retention(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=runtime.settings.data_dir,
            batch_size=100,
            now=NOW,
        )
    assert report.rules == []
    assert _counts(tenant) == before


def test_quiet_login_failures_expire_but_locks_stay(runtime: Runtime) -> None:
    quiet, recent, locked = (f"{unique(n)}@example.org" for n in ("quiet", "recent", "locked"))
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        session.add(LoginFailure(email=quiet, failure_count=1, last_failed_at=_ago(40)))
        session.add(LoginFailure(email=recent, failure_count=1, last_failed_at=_ago(2)))
        session.add(
            LoginFailure(
                email=locked,
                failure_count=9,
                last_failed_at=_ago(40),
                locked_until=NOW + timedelta(hours=1),
            )
        )
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        apply_login_failure_retention(session, days=30, batch_size=1000, now=NOW, dry_run=False)
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        left = set(
            session.scalars(
                select(LoginFailure.email).where(LoginFailure.email.in_([quiet, recent, locked]))
            )
        )
    assert left == {recent, locked}


def test_cli_dry_run_and_apply(client: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    _seed_ages(client, tenant, runtime, now=datetime.now(UTC))
    assert _put(client, tenant, POLICY).status_code == 200
    settings = runtime.settings
    assert settings.database_url is not None
    base = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    runner = CliRunner()
    dry = runner.invoke(
        cli_app, [*base, "privacy", "apply-retention", "--dry-run", "-w", tenant.slug]
    )
    assert dry.exit_code == 0, dry.output
    assert f"{tenant.slug}: closed_ticket_messages older than 90 days" in dry.stdout
    assert "would remove 2" in dry.stdout  # two closed tickets are older than 90 days *now*
    before = _counts(tenant)
    assert before["audit_aged"] == 2
    real = runner.invoke(
        cli_app, [*base, "privacy", "apply-retention", "-w", tenant.slug, "--batch-size", "1"]
    )
    assert real.exit_code == 0, real.output
    assert "closed_ticket_messages older than 90 days" in real.stdout
    assert "removed 2" in real.stdout
    assert "installation: login failures" in real.stdout
    assert _counts(tenant)["audit_aged"] == 1
    unknown = runner.invoke(cli_app, [*base, "privacy", "apply-retention", "-w", "no-such-ws"])
    assert unknown.exit_code == 1
