"""indexes led by each foreign key whose referenced row can be deleted

Deleting a row makes the database find the rows that reference it (ON DELETE CASCADE /
SET NULL / RESTRICT), by the foreign-key column alone. Nearly all our indexes lead with
`workspace_id`, which that lookup cannot use, so each deletion scanned every referencing table
under the write lock: one account in a database of 100,000 accounts, 300,000 contacts and
100,000 tickets took 62 ms, and the cost grew with every table (ADR 0043).

- Indexes `(workspace_id, fk, ...)` are re-led as `(fk, workspace_id, ...)`: ids are unique
  across workspaces, so every lookup by the key reads the same entries, and the writes cost
  what they did;
- a foreign key without such an index gets one on its column (partial, `fk IS NOT NULL`, when
  the reference is optional: rows without one take no entry).

References to users and workspaces are left: neither is ever deleted (users are deactivated).

Revision ID: 0034_foreign_key_indexes
Revises: 0033_ticket_attachments_sha256
Create Date: 2026-11-27 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_foreign_key_indexes"
down_revision: str | None = "0033_ticket_attachments_sha256"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, columns before): the first two columns swap.
_RELED: list[tuple[str, str, list[str]]] = [
    (
        "account_health_scores",
        "ix_account_health_scores_scorecard_day",
        ["workspace_id", "scorecard_id", "day", "account_id"],
    ),
    ("automation_firings", "ix_automation_firings_ticket", ["workspace_id", "ticket_id"]),
    ("channel_threads", "ix_channel_threads_ticket", ["workspace_id", "ticket_id"]),
    ("contacts", "ix_contacts_account", ["workspace_id", "account_id"]),
    ("csat_surveys", "ix_csat_surveys_contact", ["workspace_id", "contact_id", "requested_at"]),
    ("csm_tasks", "ix_csm_tasks_account", ["workspace_id", "account_id", "status"]),
    ("experience_nps_answers", "ix_experience_nps_answers_account", ["workspace_id", "account_id"]),
    (
        "interactions",
        "ix_interactions_account_timeline",
        ["workspace_id", "account_id", "occurred_at", "id"],
    ),
    (
        "interactions",
        "ix_interactions_contact_timeline",
        ["workspace_id", "contact_id", "occurred_at", "id"],
    ),
    ("journey_path_prefixes", "ix_journey_path_prefixes_contact", ["workspace_id", "contact_id"]),
    (
        "journey_stage_entries",
        "ix_journey_stage_entries_contact",
        ["workspace_id", "journey_id", "contact_id"],
    ),
    ("kb_article_uses", "ix_kb_article_uses_article", ["workspace_id", "article_id"]),
    ("kb_articles", "ix_kb_articles_collection", ["workspace_id", "collection_id"]),
    ("kb_files", "ix_kb_files_article", ["workspace_id", "article_id"]),
    ("kb_revisions", "ix_kb_revisions_translation", ["workspace_id", "translation_id", "number"]),
    ("kb_votes", "ix_kb_votes_article", ["workspace_id", "article_id"]),
    ("outbound_emails", "ix_outbound_emails_ticket_message", ["workspace_id", "ticket_message_id"]),
    ("playbook_episodes", "ix_playbook_episodes_open", ["workspace_id", "playbook_id", "is_open"]),
    ("playbook_runs", "ix_playbook_runs_account", ["workspace_id", "account_id", "id"]),
    ("playbook_runs", "ix_playbook_runs_playbook", ["workspace_id", "playbook_id", "id"]),
    ("sla_events", "ix_sla_events_ticket", ["workspace_id", "ticket_id", "occurred_at"]),
    (
        "subscription_mrr_changes",
        "ix_subscription_mrr_changes_subscription",
        ["workspace_id", "subscription_id", "effective_on"],
    ),
    ("subscriptions", "ix_subscriptions_account", ["workspace_id", "account_id"]),
    (
        "survey_invitations",
        "ix_survey_invitations_contact",
        ["workspace_id", "contact_id", "sent_at"],
    ),
    (
        "survey_invitations",
        "ix_survey_invitations_survey",
        ["workspace_id", "survey_id", "sent_at"],
    ),
    (
        "survey_responses",
        "ix_survey_responses_contact",
        ["workspace_id", "contact_id", "responded_at"],
    ),
    (
        "survey_responses",
        "ix_survey_responses_survey",
        ["workspace_id", "survey_id", "responded_at"],
    ),
    (
        "text_analyses",
        "ix_text_analyses_account",
        ["workspace_id", "account_id", "text_written_at"],
    ),
    (
        "text_analyses",
        "ix_text_analyses_contact",
        ["workspace_id", "contact_id", "text_written_at"],
    ),
    ("text_analyses", "ix_text_analyses_ticket", ["workspace_id", "ticket_id"]),
    (
        "ticket_messages",
        "ix_ticket_messages_thread",
        ["workspace_id", "ticket_id", "created_at", "id"],
    ),
    ("ticket_rule_runs", "ix_ticket_rule_runs_ticket", ["workspace_id", "ticket_id", "id"]),
    ("ticket_sla_targets", "ix_ticket_sla_targets_ticket", ["workspace_id", "ticket_id", "metric"]),
    ("tickets", "ix_tickets_account", ["workspace_id", "account_id", "created_at"]),
    ("tickets", "ix_tickets_merged_into", ["workspace_id", "merged_into_id"]),
    ("tickets", "ix_tickets_requester", ["workspace_id", "requester_id", "created_at"]),
    ("tickets", "ix_tickets_team_status", ["workspace_id", "team_id", "status", "updated_at"]),
    ("topic_assignments", "ix_topic_assignments_contact", ["workspace_id", "contact_id"]),
    ("topic_assignments", "ix_topic_assignments_ticket", ["workspace_id", "ticket_id"]),
    ("topic_assignments", "ix_topic_assignments_topic", ["workspace_id", "topic_id", "written_at"]),
    ("touchpoints", "ix_touchpoints_contact", ["workspace_id", "contact_id", "occurred_at"]),
]
# (table, foreign-key column, optional reference).
_NEW: list[tuple[str, str, bool]] = [
    ("account_health_scores", "account_id", False),
    ("channel_receipts", "channel_source_id", True),
    ("channel_receipts", "message_id", True),
    ("channel_receipts", "ticket_id", True),
    ("channel_threads", "channel_source_id", True),
    ("csm_tasks", "contact_id", True),
    ("experience_nps_answers", "contact_id", True),
    ("inbound_emails", "ticket_id", True),
    ("journey_stage_entries", "account_id", True),
    ("journey_stage_entries", "contact_id", False),
    ("kb_searches", "opened_article_id", True),
    ("next_action_decisions", "account_id", True),
    ("next_action_decisions", "contact_id", True),
    ("notifications", "ticket_id", True),
    ("outbound_emails", "ticket_id", True),
    ("playbook_episodes", "account_id", False),
    ("sla_events", "target_id", False),
    ("sla_policies", "calendar_id", True),
    ("survey_enrolments", "account_id", False),
    ("survey_enrolments", "contact_id", True),
    ("survey_invitations", "account_id", True),
    ("survey_responses", "account_id", True),
    ("survey_responses", "followup_task_id", True),
    ("survey_responses", "followup_ticket_id", True),
    ("ticket_messages", "author_contact_id", True),
    ("ticket_sla_targets", "policy_id", True),
    ("tickets", "follow_up_of_id", True),
    ("topic_assignments", "account_id", True),
    ("topics", "merged_into_id", True),
    ("touchpoints", "account_id", True),
]
# Tables whose only indexes led by `workspace_id` were re-led: a plain one for workspace-wide
# reads (survey KPIs, knowledge KPIs, playbook run lists, MRR history).
_WORKSPACE: list[str] = [
    "kb_article_uses",
    "kb_votes",
    "playbook_runs",
    "subscription_mrr_changes",
    "survey_invitations",
]
_PARTIAL = {"ix_tickets_merged_into": "merged_into_id IS NOT NULL"}


def _create(table: str, name: str, columns: list[str], where: str | None) -> None:
    condition = sa.text(where) if where else None
    op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    for table, name, columns in _RELED:
        op.drop_index(name, table_name=table)
        _create(table, name, [columns[1], columns[0], *columns[2:]], _PARTIAL.get(name))
    for table, column, optional in _NEW:
        _create(
            table, f"ix_{table}_{column}", [column], f"{column} IS NOT NULL" if optional else None
        )
    for table in _WORKSPACE:
        op.create_index(f"ix_{table}_workspace_id", table, ["workspace_id"])
    _refresh_sqlite_statistics()


def _refresh_sqlite_statistics() -> None:
    """New indexes of an analysed SQLite database need statistics too (see 0011)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    analysed = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if analysed:
        for table in sorted({table for table, *_ in _RELED} | {table for table, *_ in _NEW}):
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for table in reversed(_WORKSPACE):
        op.drop_index(f"ix_{table}_workspace_id", table_name=table)
    for table, column, _optional in reversed(_NEW):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    for table, name, columns in reversed(_RELED):
        op.drop_index(name, table_name=table)
        _create(table, name, columns, _PARTIAL.get(name))
    _refresh_sqlite_statistics()
