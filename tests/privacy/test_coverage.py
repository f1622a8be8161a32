"""Every column that can hold text is classified for erasure (privacy/coverage.py).

A new table or column of type text, JSON or binary fails here until someone decides whether it
holds personal data about a contact and, if so, makes `erase_contact` cover it.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, LargeBinary, String, Text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator

import cxhub.models  # noqa: F401 - every table registered
from cxhub.core.db import Base
from cxhub.privacy.coverage import COLUMN_TREATMENT, Treatment


def _holds_text(column: Column[object]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, SAEnum):
        return False  # a closed set of codes
    return isinstance(kind, String | Text | JSON | LargeBinary)


def _text_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if _holds_text(column)
    }


def _classified() -> set[str]:
    return {
        f"{table}.{column}" for table, columns in COLUMN_TREATMENT.items() for column in columns
    }


def test_every_text_column_is_classified_for_erasure() -> None:
    missing = sorted(_text_columns() - _classified())
    assert missing == [], (
        "classify these columns in cxhub/privacy/coverage.py (and cover ERASED ones in "
        f"privacy/erasure.py and the docs' erasure table): {missing}"
    )


def test_the_registry_names_only_existing_columns() -> None:
    stale = sorted(_classified() - _text_columns())
    assert stale == [], f"no such text column any more: {stale}"


def test_the_detector_sees_the_kinds_of_columns_that_hold_words() -> None:
    found = _text_columns()
    # Text, JSON, binary and the search-key type are seen; enums and numbers are not.
    for column in ("ticket_messages.body_text", "interactions.payload", "inbound_emails.raw"):
        assert column in found
    assert "contacts.name_key" in found
    assert "tickets.status" not in found
    assert "csat_surveys.score" not in found


def test_each_table_with_personal_columns_is_handled_by_the_erasure() -> None:
    import inspect

    from cxhub.privacy import erasure

    source = inspect.getsource(erasure)
    handled_by = {
        "contacts": "contacts.delete_person",
        "contact_identifiers": "contacts.delete_person",
        "interactions": "timeline.anonymise_for_contacts",
        "tickets": "tickets.erase_for_contacts",
        "ticket_messages": "tickets.erase_for_contacts",
        "ticket_attachments": "tickets.purge_unreferenced_files",
        "csat_surveys": "csat.anonymise_surveys",
        "inbound_emails": "mail.erase_for_person",
        "outbound_emails": "mail.erase_for_person",
        "channel_threads": "channels.forget_threads",
        "notifications": "notifications.erase_for_person",
        "usage_events": "usage.anonymise_inbox",
        "login_failures": "forget_login_failures",
        "audit_entries": "scrub_audit_details",
        "csm_tasks": "csm_tasks.anonymise_tasks",
        "text_analyses": "text_analytics.delete_analyses",
        "survey_invitations": "surveys.erase_for_contacts",
        "survey_responses": "surveys.erase_for_contacts",
        "touchpoints": "touchpoints.anonymise_for_contacts",
        "playbook_runs": "playbooks.scrub_runs",
        "kb_searches": "knowledge_searches.scrub_searches",
        "topics": "topics.scrub_keywords",
        "next_action_decisions": "next_actions.delete_for_contacts",
        "kb_ticket_vectors": "assist.delete_ticket_vectors",
        # what the file part still has to find, emptied when the erasure completes
        "privacy_erasures": "record_files_done",
    }
    erased_tables = {
        table for table, columns in COLUMN_TREATMENT.items() if Treatment.ERASED in columns.values()
    }
    assert erased_tables == set(handled_by), "name the erasure step of each erased table here"
    for table, step in handled_by.items():
        assert f"{step}(" in source, f"{table}: erase_contact no longer calls {step}"
