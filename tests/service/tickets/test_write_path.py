"""What a ticket write reads inside its transaction (on SQLite, under the one write lock): the
requester, the SLA targets and the calendar once each, whatever reacts to the change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from cxhub.core.runtime import Runtime
from tests.factories import Tenant, unique

ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@contextmanager
def statements_until_commit(runtime: Runtime) -> Iterator[list[str]]:
    """SQL sent up to the first COMMIT (the request's; event deliveries come after it)."""
    seen: list[str] = []
    committed = False

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not committed:
            seen.append(" ".join(statement.split()))

    def on_commit(conn: Any) -> None:
        nonlocal committed
        committed = True

    event.listen(runtime.engine, "before_cursor_execute", capture)
    event.listen(runtime.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", capture)
        event.remove(runtime.engine, "commit", on_commit)


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _reads(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.startswith("SELECT") and f" FROM {table} " in f"{s} ")


def test_a_note_reads_each_row_once(client: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    tag = unique("wp")
    calendar = _post(
        client,
        tenant,
        "/business-calendars",
        {"name": unique("cal "), "time_zone": "UTC", "weekly_hours": ALWAYS, "holidays": []},
    )
    _post(
        client,
        tenant,
        "/sla-policies",
        {
            "name": unique("policy "),
            "calendar_id": calendar["id"],
            "conditions": {"tags_any": [tag]},
            "targets": {"first_reply": 60, "resolution": 600},
        },
    )
    # one trigger that may fire on a note (so the snapshot is built), one that may not
    _post(
        client,
        tenant,
        "/triggers",
        {
            "name": unique("t "),
            "all": [{"field": "subject", "op": "contains", "value": "never-in-a-subject"}],
            "actions": [{"type": "add_tags", "tags": ["x"]}],
        },
    )
    _post(
        client,
        tenant,
        "/triggers",
        {
            "name": unique("t "),
            "all": [{"field": "event", "op": "is", "value": "ticket_created"}],
            "actions": [{"type": "add_tags", "tags": [f"{tag}-created"]}],
        },
    )
    account = _post(client, tenant, "/accounts", {"name": unique("Acme ")})
    contact = _post(
        client,
        tenant,
        "/contacts",
        {"emails": [f"{unique('c')}@example.com"], "account_id": account["id"]},
    )
    ticket = _post(
        client,
        tenant,
        "/tickets",
        {"subject": "Help", "description": "Please", "requester_id": contact["id"], "tags": [tag]},
    )
    assert f"{tag}-created" in ticket["tags"]  # the creation trigger fired on creation

    with statements_until_commit(runtime) as seen:
        note = _post(
            client, tenant, f"/tickets/{ticket['id']}/messages", {"body": "n", "public": False}
        )
    assert note["public"] is False
    assert note["attachments"] == []
    assert _reads(seen, "contacts") == 1  # timeline and trigger snapshot share it
    assert _reads(seen, "accounts") == 1
    assert _reads(seen, "ticket_sla_targets") == 1
    assert _reads(seen, "business_calendars") == 0  # built before, unchanged since
    assert _reads(seen, "ticket_attachments") == 0  # a new message has none
    assert not [s for s in seen if s.startswith("SAVEPOINT")]

    timeline = client.get(f"/api/v1/contacts/{contact['id']}/timeline", headers=tenant.admin)
    assert timeline.status_code == 200, timeline.text
    notes = [i for i in timeline.json()["items"] if i["kind"] == "ticket.note"]
    assert [(i["contact_id"], i["account_id"]) for i in notes] == [(contact["id"], account["id"])]
    sla = client.get(f"/api/v1/tickets/{ticket['id']}/sla", headers=tenant.admin).json()
    assert {t["metric"] for t in sla["targets"]} == {"first_reply", "resolution"}
