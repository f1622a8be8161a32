"""The file part of an erasure (`privacy.finish_erasure`, and the retention job finishing any
erasure left `files_pending`): each pending erasure is finished on its own, so one that fails
never stops the others nor the retention run; and no database connection (hence no
transaction, no SQLite write lock) is held while the Parquet files are rewritten."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.privacy.erasure import FINISH_ERASURE
from cxhub.privacy.models import ErasureRecord
from cxhub.privacy.tasks import APPLY_RETENTION
from cxhub.service.mail.models import InboundEmail, InboundStatus
from cxhub.success.usage import erasure as usage_erasure
from cxhub.success.usage.erasure import new_pseudonym
from tests.factories import Tenant
from tests.privacy.seeding import compact_events, parquet_user_ids, seed_person
from tests.privacy.test_retention import NOW, _ago, _counts, _put


def _erase(client: TestClient, tenant: Tenant, contact_id: int) -> int:
    response = client.post(
        f"/api/v1/contacts/{contact_id}/erase",
        json={"confirm": contact_id},
        headers=tenant.admin,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _set_pending(tenant: Tenant, erasure_id: int, pending: dict[str, Any]) -> None:
    """As if the process died after the commit, before the file part ran."""
    with tenant.session() as session:
        record = session.scalar(select(ErasureRecord).where(ErasureRecord.id == erasure_id))
        assert record is not None
        record.status = "files_pending"
        record.completed_at = None
        record.pending = pending


def _status(tenant: Tenant, erasure_id: int) -> str:
    with tenant.session() as session:
        return str(
            session.scalar(select(ErasureRecord.status).where(ErasureRecord.id == erasure_id))
        )


def _run_job(runtime: Runtime, tenant: Tenant, name: str, payload: dict[str, Any]) -> None:
    """As the job executor does: the handler gets a unit of work of its own."""
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        runtime.jobs.get(name)(session, payload)


@pytest.fixture
def connections_during_rewrite(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> list[int]:
    """How many pooled connections were checked out each time Parquet files were rewritten."""
    seen: list[int] = []
    real = usage_erasure.anonymise_files

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(runtime.engine.pool.checkedout())  # type: ignore[attr-defined]
        return real(*args, **kwargs)

    monkeypatch.setattr(usage_erasure, "anonymise_files", spy)
    return seen


def test_the_file_part_holds_no_connection_while_rewriting(
    client: TestClient,
    tenant: Tenant,
    runtime: Runtime,
    connections_during_rewrite: list[int],
) -> None:
    person = seed_person(client, tenant, runtime)
    compact_events(tenant, runtime)
    erasure_id = _erase(client, tenant, person.contact_id)
    # The person's events are in Parquet again (say, a compaction of a late batch).
    _set_pending(
        tenant,
        erasure_id,
        {"usage_user_ids": [person.external_id], "pseudonym": new_pseudonym()},
    )
    connections_during_rewrite.clear()
    _run_job(runtime, tenant, FINISH_ERASURE, {"erasure_id": erasure_id})
    assert connections_during_rewrite == [0]
    assert _status(tenant, erasure_id) == "complete"
    assert person.external_id not in parquet_user_ids(
        runtime.settings.data_dir, tenant.workspace_id
    )


def test_a_failing_erasure_neither_stops_the_others_nor_retention(
    client: TestClient,
    tenant: Tenant,
    runtime: Runtime,
    connections_during_rewrite: list[int],
) -> None:
    with tenant.session() as session:
        for days in (40, 20):
            session.add(
                InboundEmail(
                    raw=b"x",
                    sha256="0" * 64,
                    status=InboundStatus.PROCESSED,
                    received_at=_ago(days),
                )
            )
    assert _put(client, tenant, {"inbound_mail_days": 30}).status_code == 200
    broken_person = seed_person(client, tenant, runtime, first_name="Broken")
    good_person = seed_person(client, tenant, runtime, first_name="Good")
    compact_events(tenant, runtime)
    broken = _erase(client, tenant, broken_person.contact_id)
    good = _erase(client, tenant, good_person.contact_id)
    # A record whose file part cannot run (a pseudonym anonymise_files refuses).
    _set_pending(
        tenant,
        broken,
        {"usage_user_ids": [broken_person.external_id], "pseudonym": "not-a-pseudonym"},
    )
    _set_pending(
        tenant, good, {"usage_user_ids": [good_person.external_id], "pseudonym": new_pseudonym()}
    )
    before = _counts(tenant)
    connections_during_rewrite.clear()

    _run_job(runtime, tenant, APPLY_RETENTION, {"at": NOW.isoformat()})

    assert _status(tenant, broken) == "files_pending"  # logged, retried next run
    assert _status(tenant, good) == "complete"
    after = _counts(tenant)
    assert after["inbound_processed"] == before["inbound_processed"] - 1
    assert connections_during_rewrite == [0, 0]
