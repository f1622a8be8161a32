"""A ticket's tags, followers, attachments and merged tickets are found through the ticket's own
key on SQLite without planner statistics (a new installation), never by walking everything the
workspace has (migration 0031)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.maintenance import optimize_database
from cxhub.core.runtime import Runtime
from cxhub.customers.accounts import service as accounts
from cxhub.customers.timeline.models import Interaction
from cxhub.service.tickets import listing, search
from cxhub.service.tickets.models import Ticket, TicketFollower, TicketTag
from tests.factories import fresh_sqlite_runtime, make_tenant

pytestmark = pytest.mark.nodb  # its own SQLite file: the plans are SQLite's


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    with fresh_sqlite_runtime(tmp_path) as made:
        yield made


def _plans(runtime: Runtime, path: Path, work: Any) -> dict[str, list[str]]:
    """Run `work(session)` in a workspace and EXPLAIN each SELECT it sent on a new connection."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    tenant = make_tenant(runtime)
    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
            work(session)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    with sqlite3.connect(path) as db:
        assert (
            db.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall()
            == []
        )
        return {
            statement: [
                str(row[3])
                for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", [1] * statement.count("?"))
            ]
            for statement in seen
        }


def _only(plans: dict[str, list[str]], table: str) -> list[str]:
    mine = [plan for statement, plan in plans.items() if f"FROM {table}" in statement]
    assert mine, f"no statement read {table}"
    return [step for plan in mine for step in plan]


def test_tags_and_followers_of_a_page_use_the_ticket_key(fresh: tuple[Runtime, Path]) -> None:
    runtime, path = fresh

    def work(session: Any) -> None:
        ids = list(range(1, 26))
        listing.tags_by_ticket(session, ticket_ids=ids)
        listing.followers_by_ticket(session, ticket_ids=ids)
        session.scalars(select(TicketTag).where(TicketTag.ticket_id == 3)).all()
        session.scalars(select(TicketFollower).where(TicketFollower.ticket_id == 3)).all()

    plans = _plans(runtime, path, work)
    tags, followers = _only(plans, "ticket_tags"), _only(plans, "ticket_followers")
    assert all("(ticket_id=?)" in step for step in tags if step.startswith("SEARCH")), tags
    assert not any("ix_ticket_tags_tag" in step for step in tags), tags
    assert all("(ticket_id=?)" in step for step in followers if step.startswith("SEARCH"))
    assert not any("ix_ticket_followers_user" in step for step in followers), followers
    assert not any("TEMP B-TREE" in step for step in tags + followers)  # index order serves


def test_attachments_of_messages_use_the_message_key(fresh: tuple[Runtime, Path]) -> None:
    runtime, path = fresh
    plans = _plans(
        runtime, path, lambda session: listing.attachments_by_message(session, message_ids=[1, 2])
    )
    steps = _only(plans, "ticket_attachments")
    assert any("ix_ticket_attachments_message_id (message_id=?)" in step for step in steps), steps


def test_the_tickets_merged_into_one_are_found_through_a_partial_index(
    fresh: tuple[Runtime, Path],
) -> None:
    runtime, path = fresh
    ticket = Ticket(subject="Printer offline")
    ticket.id = 7

    plans = _plans(runtime, path, lambda session: search.document_of(session, ticket=ticket))
    steps = _only(plans, "tickets")
    assert any(
        "ix_tickets_merged_into (merged_into_id=? AND workspace_id=?)" in step for step in steps
    ), steps


def test_the_filter_by_tag_still_reads_the_tag_index(fresh: tuple[Runtime, Path]) -> None:
    runtime, path = fresh

    def work(session: Any) -> None:
        session.scalars(select(TicketTag.ticket_id).where(TicketTag.tag == "vip")).all()
        session.scalars(select(TicketFollower.ticket_id).where(TicketFollower.user_id == 4)).all()

    plans = _plans(runtime, path, work)
    assert any(
        "ix_ticket_tags_tag (tag=? AND workspace_id=?)" in step
        for step in _only(plans, "ticket_tags")
    )
    assert any(
        "ix_ticket_followers_user (user_id=? AND workspace_id=?)" in step
        for step in _only(plans, "ticket_followers")
    )


def test_database_upkeep_gathers_statistics_for_every_table_with_rows(
    fresh: tuple[Runtime, Path],
) -> None:
    """Also on SQLite before 3.46, whose `PRAGMA optimize` skips tables the job's own connection
    has not queried (all of them)."""
    runtime, path = fresh
    tenant = make_tenant(runtime)
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO ticket_tags (ticket_id, tag, workspace_id) VALUES (?, ?, ?)",
            [(n, f"tag-{n % 7}", tenant.workspace_id) for n in range(1, 500)],
        )
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        optimize_database(session, {})
    with sqlite3.connect(path) as db:
        analysed = {str(table) for (table,) in db.execute("SELECT tbl FROM sqlite_stat1")}
        rows = dict(db.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'ticket_tags'"))
    assert {"ticket_tags", "users", "workspaces"} <= analysed
    assert str(rows["ix_ticket_tags_tag"]).split()[0] == "499"  # rows counted


def test_walks_by_id_read_in_index_order_without_sorting(fresh: tuple[Runtime, Path]) -> None:
    runtime, path = fresh

    def work(session: Any) -> None:
        accounts.account_ids_batch(session, after_id=500, limit=500)
        session.scalars(
            select(Interaction.id).where(Interaction.id > 9).order_by(Interaction.id).limit(5)
        ).all()

    plans = _plans(runtime, path, work)
    for table, index in (
        ("accounts", "ix_accounts_keyset"),
        ("interactions", "ix_interactions_keyset"),
    ):
        steps = _only(plans, table)
        assert any(f"{index} (workspace_id=? AND id>?)" in step for step in steps), steps
        assert not any("TEMP B-TREE" in step for step in steps), steps
