"""the day's health scores indexed by account too, for the rescore's chunked deletes

The rescore commits its scores 5,000 accounts at a time (ADR 0040) and deletes each chunk's
rows of the day by an account-id range. With `ix_account_health_scores_scorecard_day`
`(workspace_id, scorecard_id, day)` SQLite chose the unique `(workspace_id, account_id,
scorecard_id, day)` index for that range and read every past day of the chunk's accounts (a
year of history: 365 entries per account, under the write lock). With `account_id` appended
the delete reads exactly the chunk's rows of the day; the index still serves every
`(scorecard_id, day)` lookup as before.

Revision ID: 0032_health_scores_day_account
Revises: 0031_child_lookup_indexes
Create Date: 2026-11-27 12:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032_health_scores_day_account"
down_revision: str | None = "0031_child_lookup_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "account_health_scores"
_INDEX = "ix_account_health_scores_scorecard_day"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name=_TABLE)
    op.create_index(_INDEX, _TABLE, ["workspace_id", "scorecard_id", "day", "account_id"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name=_TABLE)
    op.create_index(_INDEX, _TABLE, ["workspace_id", "scorecard_id", "day"])
