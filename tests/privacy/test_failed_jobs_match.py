"""Which failed-job records name an erased person (`PersonInJobs.mentioned_by`)."""

from __future__ import annotations

import pytest

from cxhub.core.redaction import PersonalTokens
from cxhub.privacy.failed_jobs import PersonInJobs

pytestmark = pytest.mark.nodb

ADA = PersonInJobs.of(
    contact_ids=[7, 8],
    ticket_ids=[42],
    tokens=PersonalTokens.of(
        emails=["Ada@Example.test"],
        phones=["+44 20 7946 0958"],
        other_identifiers=["u42", "user-00042"],
        full_names=["Ada Lovelace"],
        name_parts=["Ada"],
    ),
)


@pytest.mark.parametrize(
    ("payload", "error", "named"),
    [
        ({"contact_id": 7}, "", True),
        ({"contact_ids": [3, 8]}, "", True),
        ({"forget": [7]}, "", True),  # merged-away contacts of the journey rebuild
        ({"ticket_id": 42}, "", True),
        ({"followup_ticket_id": "42"}, "", True),
        ({"data": {"contact": {"id": 7}}}, "", False),  # "id" under "contact" is not a key match
        ({"data": {"contact_id": 7}}, "", True),
        ({"ticket_id": 7}, "", False),  # a contact id under a ticket key is another row
        ({"message_id": 42, "count": 7}, "", False),
        ({"query": "my address is ada@example.TEST"}, "", True),
        ({"query": "call 020 7946 0958 or +44 20 7946 0958"}, "", True),
        ({"query": "Ada asked about invoices"}, "", False),  # a first name alone is not them
        ({"n": 1}, "SMTPRecipientsRefused: ada@example.test", True),
        ({"n": 1}, "Lovelace, ADA LOVELACE not found", True),
        ({"flag": True, "ratio": 7.0, "none": None}, "", False),
        ({"winner_id": 3, "loser_id": 8}, "", True),  # a contact merge's survey clocks
        # Whole words only: another person's address or id that merely contains theirs.
        ({"query": "write to xada@example.test"}, "", False),
        ({"n": 1}, "no user user-000421", False),
        ({"n": 1}, "no user user-00042.", True),
        # A short identifier names them only as a whole value, never inside text.
        ({"user_id": "u42"}, "", True),
        ({"search_id": "ab-u42-cd"}, "retry u42 later", False),
    ],
)
def test_a_record_names_the_person_by_id_under_its_key_or_by_identifier(
    payload: dict[str, object], error: str, named: bool
) -> None:
    assert ADA.mentioned_by(payload, error) is named


def test_the_pending_form_round_trips_without_the_first_name() -> None:
    pending = ADA.to_pending()
    assert "Ada" not in str(pending).replace("Ada Lovelace", "").replace("Ada@", "")
    again = PersonInJobs.from_pending(pending)
    assert again.contact_ids == ADA.contact_ids
    assert again.ticket_ids == ADA.ticket_ids
    assert again.mentioned_by({"q": "ADA@example.test"}, "")
    assert again.mentioned_by({}, "Ada Lovelace")
