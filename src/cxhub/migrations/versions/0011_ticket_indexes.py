"""ticket indexes for inbox views, search and reports at volume

Measured by benchmarks/bench_helpdesk.py (docs/benchmarks.md, "Helpdesk"): capped counts of
"all unsolved" and "breaching within 1h" read partial covering indexes of live tickets; a common
search word walks tickets by `updated_at`; reports by solve time and SLA start use a range.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_SQLITE = sa.text("merged_into_id IS NULL AND is_spam IS 0")
LIVE_POSTGRESQL = sa.text("merged_into_id IS NULL AND is_spam IS false")
UNSOLVED = "status IN ('new', 'on_hold', 'open', 'pending')"


def upgrade() -> None:
    op.create_index("ix_tickets_updated", "tickets", ["workspace_id", "updated_at", "id"])
    op.create_index(
        "ix_tickets_live_status",
        "tickets",
        ["workspace_id", "status", "updated_at", "id"],
        sqlite_where=LIVE_SQLITE,
        postgresql_where=LIVE_POSTGRESQL,
    )
    op.create_index(
        "ix_tickets_live_sla_due",
        "tickets",
        ["workspace_id", "next_sla_due_at", "status"],
        sqlite_where=LIVE_SQLITE,
        postgresql_where=LIVE_POSTGRESQL,
    )
    op.create_index(
        "ix_tickets_unsolved",
        "tickets",
        ["workspace_id", "updated_at", "id"],
        sqlite_where=sa.text(f"{UNSOLVED} AND {LIVE_SQLITE.text}"),
        postgresql_where=sa.text(f"{UNSOLVED} AND {LIVE_POSTGRESQL.text}"),
    )
    op.create_index("ix_tickets_solved", "tickets", ["workspace_id", "solved_at"])
    op.create_index(
        "ix_ticket_sla_targets_started", "ticket_sla_targets", ["workspace_id", "started_at"]
    )
    _refresh_sqlite_statistics()


def _refresh_sqlite_statistics() -> None:
    """A SQLite database that has planner statistics (`sqlite_stat1`, from ANALYZE) must get them
    for the new indexes too: an index without statistics looks far more selective than it is,
    and SQLite walked all 1,000,000 tickets of a workspace through `ix_tickets_updated` for an
    agent's 900 open ones (benchmarks/bench_helpdesk.py). Seconds on a million tickets; nothing
    to do on a database without statistics, where every index is estimated the same way."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum analyses new indexes' tables by itself
    analysed = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if analysed:
        op.execute("ANALYZE tickets")
        op.execute("ANALYZE ticket_sla_targets")


def downgrade() -> None:
    op.drop_index("ix_ticket_sla_targets_started", table_name="ticket_sla_targets")
    op.drop_index("ix_tickets_solved", table_name="tickets")
    op.drop_index("ix_tickets_unsolved", table_name="tickets")
    op.drop_index("ix_tickets_live_sla_due", table_name="tickets")
    op.drop_index("ix_tickets_live_status", table_name="tickets")
    op.drop_index("ix_tickets_updated", table_name="tickets")
