"""Scrubbing a person's names and identifiers out of text and JSON (pure, no database)."""

from __future__ import annotations

from cxhub.core.redaction import ERASED_MARKER, PersonalTokens, mentions, scrub_json, scrub_text

ADA = PersonalTokens.of(
    emails=["Ada@Example.org"],
    phones=["+442079460958"],
    other_identifiers=["usr_42"],
    full_names=["Ada Lovelace"],
    name_parts=["Ada", "Lovelace", "Al"],
)


def test_scrub_replaces_every_form_case_insensitively() -> None:
    text = "ADA LOVELACE (ada@example.org, +44 20 7946 0958 / 0044-20-7946-0958) is usr_42; Ada."
    assert scrub_text(text, ADA) == (
        f"{ERASED_MARKER} ({ERASED_MARKER}, {ERASED_MARKER} / {ERASED_MARKER}) is "
        f"{ERASED_MARKER}; {ERASED_MARKER}."
    )


def test_the_full_name_wins_over_its_parts() -> None:
    assert scrub_text("Dear Ada Lovelace,", ADA) == f"Dear {ERASED_MARKER},"


def test_short_name_parts_are_not_scrubbed_alone() -> None:
    assert scrub_text("also", ADA) == "also"


def test_json_keys_and_values_are_scrubbed_other_scalars_kept() -> None:
    detail = {"loser_snapshot": {"emails": ["ada@example.org"], "id": 7, "ok": True}, "Ada": 1.5}
    assert scrub_json(detail, ADA) == {
        "loser_snapshot": {"emails": [ERASED_MARKER], "id": 7, "ok": True},
        ERASED_MARKER: 1.5,
    }


def test_mentions_needs_an_identifier_or_the_full_name() -> None:
    assert mentions(b"Forwarding for ada@example.org", ADA)
    assert mentions("call +44 (20) 7946-0958", ADA)
    assert mentions("from Ada  Lovelace", ADA) is False  # two spaces: not the written name
    assert mentions("from Ada Lovelace", ADA)
    assert not mentions("Ada from accounting wrote", ADA)  # another Ada
    assert not mentions(None, ADA)


def test_no_tokens_change_nothing() -> None:
    empty = PersonalTokens.of(name_parts=["Al"])
    assert empty.is_empty()
    assert scrub_text("Al wrote", empty) == "Al wrote"
    assert not mentions("Al wrote", empty)
