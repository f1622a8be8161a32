"""Charset decoding never fails, and the subject token survives any subject: property tests."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxhub.service.mail.charsets import codec_for, decode_header_value, decode_text
from cxhub.service.mail.parsing import (
    UnparseableEmail,
    parse_email,
    subject_with_ticket_token,
    ticket_number_from_subject,
)

CHARSETS = [
    "utf-8", "gb2312", "gbk", "gb18030", "big5", "iso-8859-1", "iso-8859-2", "iso-8859-15",
    "windows-1250", "windows-1251", "windows-1252", "shift_jis", "euc-jp", "koi8-r", "euc-kr",
    "us-ascii", "x-unknown", "base64", "",
]  # fmt: skip
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_codec_labels() -> None:
    assert codec_for("GB2312") == "gb18030"
    assert codec_for('"Shift_JIS"') == "cp932"
    assert codec_for("utf-8*en") == "utf-8"
    assert codec_for("x-unknown") is None
    assert codec_for("rot13") is None


@FAST
@given(data=st.binary(max_size=400), charset=st.sampled_from(CHARSETS))
def test_decode_text_never_raises(data: bytes, charset: str) -> None:
    assert isinstance(decode_text(data, charset or None), str)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@FAST
@given(text=st.text(max_size=200), charset=st.sampled_from(CHARSETS))
def test_text_encodable_in_its_declared_charset_round_trips(text: str, charset: str) -> None:
    codec = codec_for(charset)
    if codec is None:
        return
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        return
    if codec != "utf-8" and not data.isascii() and _is_utf8(data):
        return  # valid UTF-8 deliberately wins over a legacy label ("Â\xa0" in Latin-1 is C2 A0)
    decoded = decode_text(data, charset)
    if codec in ("cp932", "gb18030", "big5hkscs", "cp949", "euc_jp") and decoded != text:
        assert isinstance(decoded, str)  # a multi-byte text that is also valid UTF-8: rare
        return
    assert decoded == text


@FAST
@given(value=st.text(max_size=120), charset=st.sampled_from(CHARSETS))
def test_header_decoding_never_raises(value: str, charset: str) -> None:
    assert isinstance(decode_header_value(value, charset or None), str)
    assert "\n" not in decode_header_value(value)


@FAST
@given(raw=st.binary(max_size=600))
def test_arbitrary_bytes_parse_or_are_quarantined(raw: bytes) -> None:
    for candidate in (raw, b"From: a@example.com\r\n" + raw):
        reason = ""
        try:
            parsed = parse_email(candidate)
        except UnparseableEmail as refused:
            reason = refused.reason
        if reason:  # quarantined, with a reason to show
            continue
        assert isinstance(parsed.text, str)
        assert isinstance(parsed.reply_text, str)
        assert parsed.from_address


@FAST
@given(
    body=st.text(max_size=300),
    subject=st.text(max_size=80),
    charset=st.sampled_from(["utf-8", "gb2312", "big5", "iso-8859-1", "shift_jis", "koi8-r"]),
)
def test_arbitrary_text_in_arbitrary_charsets_parses(body: str, subject: str, charset: str) -> None:
    message = EmailMessage()
    message["From"] = "customer@example.com"
    message["Subject"] = " ".join(subject.split()).replace("\x00", "")
    payload = body.encode(charset, errors="replace")
    message.set_payload(payload, charset=None)
    message["Content-Type"] = f"text/plain; charset={charset}"
    message["Content-Transfer-Encoding"] = "8bit"
    parsed = parse_email(message.as_bytes())
    assert parsed.from_address == "customer@example.com"
    assert isinstance(parsed.reply_text, str)


@FAST
@given(subject=st.text(max_size=120), number=st.integers(min_value=1, max_value=10**12))
def test_subject_token_round_trip(subject: str, number: int) -> None:
    tokenised = subject_with_ticket_token(subject, number)
    assert ticket_number_from_subject(tokenised) == number
    assert tokenised.count(f"[#CX-{number}]") == 1
    assert subject_with_ticket_token(tokenised, number) == tokenised


def test_subject_token_helpers() -> None:
    assert ticket_number_from_subject("Re: printer [#cx-42] again") == 42
    assert ticket_number_from_subject("no token #42") is None
    assert subject_with_ticket_token("Re: RE: AW: Printer", 7) == "Re: Printer [#CX-7]"
    assert subject_with_ticket_token("Printer [#CX-3] broken", 7) == "Printer broken [#CX-7]"
    assert subject_with_ticket_token("", 7) == "[#CX-7]"
    with pytest.raises(ValueError, match="positive"):
        subject_with_ticket_token("x", 0)
