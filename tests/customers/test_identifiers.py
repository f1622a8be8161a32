"""Identifier normalisation: the same person however a channel spells them (pure, no database)."""

from __future__ import annotations

import pytest

from cxhub.customers.contacts.identifiers import (
    FREE_MAIL_DOMAINS,
    InvalidIdentifier,
    email_domain,
    normalise,
    normalise_email,
    normalise_external_id,
    normalise_phone,
    normalise_social,
)
from cxhub.customers.contacts.models import IdentifierKind


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  grace.hopper+navy@Navy.Mil \t", "grace.hopper+navy@navy.mil"),
        ("dewi@perusahaan.co.id", "dewi@perusahaan.co.id"),
        ("li.wei@公司.中国", "li.wei@公司.中国"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(given: str, expected: str) -> None:
    assert normalise_email(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "plainaddress", "a@b", "two@@example.com", "sp ace@example.com", "@example.com"]
)
def test_invalid_emails(bad: str) -> None:
    with pytest.raises(InvalidIdentifier, match="not an email") as raised:
        normalise_email(bad)
    assert raised.value.kind is IdentifierKind.EMAIL
    assert raised.value.value == bad


def test_overlong_email_is_invalid() -> None:
    with pytest.raises(InvalidIdentifier):
        normalise_email("a" * 320 + "@example.com")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # Italy: international, 00 prefix and national spellings
        ("+39 06 1234 5678", "+390612345678"),
        ("0039 06 12345678", "+390612345678"),
        ("+39 333 123 4567", "+393331234567"),
        ("06/1234.5678", "0612345678"),
        # China: mobile and Beijing landline
        ("+86 138 0013 8000", "+8613800138000"),
        ("+86 (10) 1234-5678", "+861012345678"),
        ("0086-138-0013-8000", "+8613800138000"),
        ("(010) 1234 5678", "01012345678"),
        # Indonesia: mobile and Jakarta landline
        ("+62 812-3456-7890", "+6281234567890"),
        ("0062 21 5098 7654", "+622150987654"),
        ("0812 3456 7890", "081234567890"),
        # elsewhere
        ("+1 (555) 010-0199", "+15550100199"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", "12345"),
    ],
)
def test_phones_keep_plus_and_digits(given: str, expected: str) -> None:
    assert normalise_phone(given) == expected


def test_the_same_number_spelled_three_ways_is_one_identifier() -> None:
    spellings = ["+39 06 1234 5678", "0039 06 12345678", "+39-06-1234-5678"]
    assert len({normalise(IdentifierKind.PHONE, s) for s in spellings}) == 1


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "call me",
        "+39 06 1234 5678 ext. 12",
        "1234",  # too short
        "+1234567890123456",  # 16 digits: longer than E.164 allows
        "#31#",
        "+",
    ],
)
def test_invalid_phones(bad: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        normalise_phone(bad)
    assert raised.value.kind is IdentifierKind.PHONE


def test_full_width_digits_become_ascii() -> None:
    full_width = "".join(chr(0xFF10 + int(d)) if d.isdigit() else d for d in "138 0013 8000")
    assert normalise_phone(full_width) == "13800138000"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Twitter:@AdaL", "twitter:adal"),
        ("instagram:ada.lovelace", "instagram:ada.lovelace"),
        (" weibo:@Li_Wei ", "weibo:li_wei"),
        ("tiktok:user-name", "tiktok:user-name"),
    ],
)
def test_social_handles(given: str, expected: str) -> None:
    assert normalise_social(given) == expected


@pytest.mark.parametrize("bad", ["@ada", "ada", "twitter:", "twitter:@", "1twitter:ada", ":ada"])
def test_invalid_social_handles(bad: str) -> None:
    with pytest.raises(InvalidIdentifier, match="network:handle"):
        normalise_social(bad)


def test_single_letter_network() -> None:
    assert normalise_social("x:@Jack") == "x:jack"


@pytest.mark.parametrize(
    ("given", "expected"),
    [(" u-1 ", "u-1"), ("User-ABC", "User-ABC"), ("42", "42"), ("a b", "a b")],
)
def test_external_ids_are_verbatim_but_trimmed(given: str, expected: str) -> None:
    assert normalise_external_id(given) == expected


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
def test_invalid_external_ids(bad: str) -> None:
    with pytest.raises(InvalidIdentifier):
        normalise_external_id(bad)


def test_normalise_dispatches_by_kind() -> None:
    assert normalise(IdentifierKind.EMAIL, "A@B.io") == "a@b.io"
    assert normalise(IdentifierKind.PHONE, "00 39 06 1234 5678") == "+390612345678"
    assert normalise(IdentifierKind.SOCIAL, "LinkedIn:@Ada") == "linkedin:ada"
    assert normalise(IdentifierKind.EXTERNAL_ID, " p-9 ") == "p-9"


def test_email_domain_and_free_mail() -> None:
    assert email_domain("ada@analytical.org") == "analytical.org"
    assert email_domain(normalise_email("Wei@QQ.com")) in FREE_MAIL_DOMAINS
    assert "acme.com" not in FREE_MAIL_DOMAINS


def test_the_error_message_names_kind_and_value() -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        normalise_phone("abc")
    assert str(raised.value).startswith("invalid phone 'abc'")
