"""Which stored text is personal data about a contact, and what erasure does with it.

Every text, JSON or binary column of every table is classified here. `tests/privacy/
test_coverage.py` fails when a table gains such a column that is not, so whoever adds a column
that may hold a customer's words or identifiers decides, in review, how erasure handles it (and
extends `privacy/erasure.py` when the answer is `ERASED`). docs/privacy.md shows the same table
to users.
"""

from __future__ import annotations

from enum import StrEnum


class Treatment(StrEnum):
    #: Deleted or anonymised by `erase_contact` (for rows about the erased person).
    ERASED = "erased"
    #: Workspace configuration written by staff (names of teams, rules, mailboxes, …).
    CONFIGURATION = "configuration"
    #: About users (staff), who are not the contact; managed with the users themselves.
    STAFF = "staff"
    #: About the account (a company), not about a person.
    ACCOUNT = "account"
    #: Codes, enums, hashes, machine-made ids and measurements with no personal meaning.
    SYSTEM = "system"
    #: The privacy domain's own records, which hold no personal data by construction.
    PRIVACY = "privacy"


E, C, S, A, Y, P = (
    Treatment.ERASED,
    Treatment.CONFIGURATION,
    Treatment.STAFF,
    Treatment.ACCOUNT,
    Treatment.SYSTEM,
    Treatment.PRIVACY,
)

# table -> column -> treatment. For ERASED columns the comment says how.
COLUMN_TREATMENT: dict[str, dict[str, Treatment]] = {
    # customers ----------------------------------------------------------------------------
    "contacts": {  # the rows are deleted (survivor and merge tombstones)
        "first_name": E,
        "last_name": E,
        "name_key": E,
        "last_name_key": E,
        "locale": E,
        "time_zone": E,
        "country": E,
        "custom_attributes": E,
    },
    "contact_identifiers": {"value": E, "label": E},  # deleted
    "interactions": {  # kept for journey counts; content blanked, contact → placeholder
        "summary": E,
        "payload": E,
        "external_id": E,
        "kind": Y,
        "journey_stage": Y,
        "source_type": Y,
        "source_id": Y,
    },
    "touchpoints": {  # kept for journey counts and NPS per stage; words and details blanked
        "text": E,
        "details": E,
        "external_id": E,
        "language": E,
        "channel": Y,
        "kind": Y,
        "source_type": Y,
        "source_id": Y,
    },
    "journeys": {"name": C, "description": C, "stages": C},
    "journey_stage_entries": {"stage_key": Y, "cause": Y},  # contact → placeholder
    # touchpoint kinds only; the person's row is deleted, the placeholder's recomputed
    "journey_path_prefixes": {
        "last_label": Y,
        **{f"step_{n}": Y for n in range(10)},
    },
    "accounts": {
        "name": A,
        "name_key": A,
        "external_id": A,
        "industry": A,
        "tier": A,
        "country": A,
        "custom_attributes": A,
    },
    "account_domains": {"domain": A},
    # service ------------------------------------------------------------------------------
    "tickets": {  # requested tickets: subject → marker, custom fields emptied
        "subject": E,
        "custom_fields": E,
        "ticket_type": Y,
        "language": Y,
        "external_id": Y,
    },
    "ticket_messages": {  # bodies → marker, Message-ID and delivery error cleared
        "body_text": E,
        "body_html": E,
        "email_message_id": E,
        "delivery_error": E,
    },
    "ticket_attachments": {  # rows deleted, files deleted once unreferenced
        "filename": E,
        "content_type": E,
        "sha256": E,
        "content_id": E,
    },
    "ticket_tags": {"tag": C},
    "ticket_rule_runs": {
        "rule_kind": Y,
        "rule_name": C,
        "event": Y,
        "changed_fields": Y,
        "skipped": Y,
    },
    "csat_surveys": {"comment": E, "token_sha256": E, "channel": Y},  # score kept
    "inbound_emails": {  # emptied: raw, addresses, Message-ID; reason = "erased"
        "raw": E,
        "envelope_from": E,
        "recipients": E,
        "message_id": E,
        "reason": E,
        "sha256": Y,
    },
    "outbound_emails": {  # emptied and marked failed (never sent)
        "to": E,
        "subject": E,
        "raw": E,
        "last_error": E,
        "envelope_from": C,
        "kind": Y,
        "message_id": Y,
    },
    "mailboxes": {"address": C, "display_name": C},
    "channel_sources": {"name": C, "secret": C},
    "channel_threads": {"thread_key": E, "scope": Y},  # deleted
    "channel_receipts": {"scope": Y, "external_message_id": Y},
    "notifications": {"email": E, "subject": E, "body": E},  # deleted / scrubbed
    "triggers": {"name": C, "definition": C},
    "automations": {"name": C, "definition": C},
    "macros": {"name": C, "definition": C},
    "saved_views": {"name": C, "conditions": C, "sort": C},
    "sla_policies": {"name": C, "conditions": C, "targets": C, "pause_statuses": C},
    "business_calendars": {"name": C, "time_zone": C, "weekly_hours": C, "holidays": C},
    "ticket_sla_targets": {"metric": Y, "pauses": Y},
    "sla_events": {"metric": Y, "kind": Y},
    "agent_profiles": {"languages": S},
    # customer portal: hashes only; an erased contact's rows are deleted (service/portal/erasure)
    "portal_sign_in_links": {"token_sha256": Y},
    "portal_sessions": {"session_hash": Y},
    "portal_settings": {
        "display_name": C,
        "primary_colour": C,
        "logo": C,
        "logo_content_type": C,
        "logo_sha256": C,
    },
    # success ------------------------------------------------------------------------------
    "usage_events": {  # ids → one random pseudonym, properties/context emptied (and Parquet)
        "user_id": E,
        "anonymous_id": E,
        "properties": E,
        "context": E,
        "message_id": Y,
        "type": Y,
        "event": Y,
        "group_id": A,
    },
    "tracking_write_keys": {"name": C, "key_hash": Y, "key_prefix": Y},
    "subscriptions": {"plan": A, "currency": A, "status": A, "external_id": A},
    "subscription_mrr_changes": {"plan": A, "reason": A},
    "health_scorecards": {"name": C, "definition": C},
    "plan_catalogues": {"definition": C},  # plans, limits and add-ons the workspace sells
    "expansion_snapshots": {"inputs": Y, "currency": A},
    # an account's opportunity: plan, add-on, seat and feature counts; no contact is named
    "expansion_opportunities": {"kind": Y, "action": Y, "target": A, "reasons": A},
    "account_health_scores": {"band": A, "components": A},
    # per-day aggregates: counts and duration lists, no row names a contact
    "service_kpi_rollups": {
        "dimension": Y,
        "group_key": Y,
        "first_reply": Y,
        "first_reply_business": Y,
        "resolution": Y,
        "resolution_business": Y,
        "sla": Y,
    },
    # a task about the person loses title and notes; other tasks of their account are scrubbed
    # experience -----------------------------------------------------------------------------
    # derived from the person's words: rows of their contacts and tickets deleted
    "text_analyses": {
        "language": E,
        "sentiment": E,
        "topics": E,
        "source_type": Y,
        "mode": Y,
        "model_version": Y,
    },
    "text_analytics_settings": {"mode": C},
    "surveys": {
        "name": C,
        "kind": Y,
        "status": Y,
        "questions": C,
        "intro": C,
        "languages": C,
        "default_language": Y,
        "trigger": C,
        "channels": C,
        "public_key": Y,
    },
    # invitations and responses of the person: contact → placeholder, links disabled, words
    # (comment, free-text answers, derived sentiment) blanked; scores kept (ADR 0025)
    "survey_invitations": {
        "token_sha256": E,
        "status": Y,
        "channel": Y,
        "touchpoint": Y,
        "journey_stage": Y,
        "source_type": Y,
        "source_id": Y,
        "language": Y,
    },
    "survey_responses": {
        "comment": E,
        "answers": E,
        "sentiment": E,
        "kind": Y,
        "language": Y,
        "channel": Y,
        "touchpoint": Y,
        "journey_stage": Y,
        "segment": A,
        "plan": A,
        "followup_status": Y,
        "followup_reason": Y,
    },
    # topics: the assignments of a person's texts are deleted; keywords naming them dropped
    "topic_models": {"feature_kind": Y, "idf": Y, "k_scores": Y},  # hashed feature numbers
    "topics": {
        "name": C,
        "label": E,
        "keywords": E,
        "intent": Y,
        "language": Y,
        "status": Y,
        "signature": Y,  # hashed feature indices and weights, no words
    },
    "topic_assignments": {"source_type": Y},
    # decisions on next best actions about the person: deleted (account-level ones are kept)
    "next_action_decisions": {
        "customer_key": E,
        "action_key": E,
        "fingerprint": E,
        "kind": Y,
        "status": Y,
        "outcome": Y,
    },
    "csm_tasks": {"title": E, "notes": E, "priority": Y, "source": Y, "status": Y},
    "playbooks": {
        "name": C,
        "description": C,
        "definition": C,
        "trigger_type": Y,
        "webhook_secret": Y,
    },
    # runs of the person's account: names and identifiers scrubbed from what the run recorded
    "playbook_runs": {
        "facts": E,
        "summary": E,
        "actions": E,
        "playbook_name": C,
        "status": Y,
        "trigger_type": Y,
    },
    "survey_enrolments": {"survey": C, "status": Y},  # contact → placeholder
    # knowledge ------------------------------------------------------------------------------
    # articles are written by staff for the workspace, like its other configuration
    "kb_collections": {"name": C, "description": C},
    "kb_articles": {"audience": Y},
    "kb_translations": {"language": Y, "title": C, "body_html": C, "body_text": C, "status": Y},
    "kb_revisions": {"title": C, "body_html": C},
    "kb_files": {"filename": C, "content_type": Y, "sha256": Y},
    "kb_embeddings": {"model": Y, "vector": C},  # computed from the article's text
    # typed by anonymous visitors: identifiers and full names scrubbed from every search
    "kb_searches": {"public_id": Y, "source": Y, "query": E, "query_key": E, "language": Y},
    "kb_votes": {"language": Y},
    # computed from a solved ticket's subject and first message: deleted with the person's tickets
    "kb_ticket_vectors": {"model": Y, "vector": E},
    # people, core, privacy ----------------------------------------------------------------
    "users": {"email": S, "name": S, "password_hash": S, "locale": S, "time_zone": S},
    "teams": {"name": C, "description": C},
    "api_tokens": {"name": S, "token_hash": Y, "prefix": Y},
    "web_sessions": {"session_hash": Y},
    "login_failures": {"email": E},  # deleted unless it still locks the address
    "workspaces": {"slug": C, "name": C, "default_locale": C, "default_time_zone": C},
    "audit_entries": {"detail": E, "action": Y, "target_type": Y},  # details scrubbed
    # `pending`: what the file part still has to find (product user ids; with the Redis queue,
    # the person's identifiers for its failed jobs), emptied when the erasure completes.
    "privacy_erasures": {"contact_ids": P, "reason": P, "status": P, "counts": P, "pending": E},
}

#: Stored outside the tables above, and what erasure does there.
FILES_AND_INDEXES: dict[str, str] = {
    "ticket_search": "the search document of each affected ticket is rewritten from the "
    "redacted thread",
    "kb_search": "article search documents hold only articles' text (staff-written)",
    "<data_dir>/knowledge-files": "article files and images, written by staff; not touched",
    "<data_dir>/attachments": "files of deleted attachment rows are deleted when no row of any "
    "workspace still uses the same bytes",
    "<data_dir>/events": "Parquet files holding the person's events are rewritten with the "
    "pseudonym and empty properties/context",
}
