"""parse_email on messages as real clients send them: charsets, bodies, threading, robots."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from cxhub.service.mail.parsing import (
    ParsedEmail,
    UnparseableEmail,
    normalise_message_id,
    parse_email,
)


def _raw(headers: str, body: bytes = b"Hello\r\n") -> bytes:
    head = headers.strip().replace("\n", "\r\n").encode("ascii")
    return head + b"\r\n\r\n" + body


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Customer <customer@example.com>")
    message["To"] = headers.pop("To", "support@acme.test")
    message["Subject"] = headers.pop("Subject", "Help")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


# --- charsets ---------------------------------------------------------------------------------


def test_gb2312_subject_and_body() -> None:
    subject = (
        "=?gb2312?B?" + __import__("base64").b64encode("打印机坏了".encode("gbk")).decode() + "?="
    )
    raw = _raw(
        f"""From: =?GB2312?B?1cXI/Q==?= <zhang@example.cn>
To: support@acme.test
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset="gb2312"
Content-Transfer-Encoding: 8bit""",
        "您好，打印机坏了。镕".encode("gbk"),  # 镕 is GBK-only, not in GB2312
    )
    parsed = parse_email(raw)
    assert parsed.subject == "打印机坏了"
    assert parsed.from_name == "张三"
    assert parsed.text == "您好，打印机坏了。镕"


def test_big5_body() -> None:
    raw = _raw(
        """From: chen@example.tw
Subject: =?big5?Q?=B4=FA=B8=D5?=
Content-Type: text/plain; charset=big5""",
        "請問發票何時寄出？".encode("big5"),
    )
    parsed = parse_email(raw)
    assert parsed.subject == "測試"
    assert parsed.text == "請問發票何時寄出？"


def test_iso_8859_1_with_encoded_word_subject() -> None:
    raw = _raw(
        """From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <Andre@Example.DE>
Subject: =?ISO-8859-1?Q?Pr=FCfung_der_Rechnung?= =?ISO-8859-1?Q?_f=FCr_M=E4rz?=
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable""",
        b"Gr=FC=DFe aus K=F6ln\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Prüfung der Rechnung für März"
    assert parsed.from_name == "André Müller"
    assert parsed.from_address == "andre@example.de"
    assert parsed.text == "Grüße aus Köln"


def test_windows_1252_smart_quotes_even_when_labelled_latin1() -> None:
    body = "\u201cIt\u2019s broken\u201d \u2013 says the customer \u20ac".encode("cp1252")
    for label in ("windows-1252", "iso-8859-1"):
        raw = _raw(f"From: a@example.com\nContent-Type: text/plain; charset={label}", body)
        assert (
            parse_email(raw).text == "\u201cIt\u2019s broken\u201d \u2013 says the customer \u20ac"
        )


def test_shift_jis_and_koi8_r() -> None:
    japanese = _raw(
        "From: tanaka@example.jp\nContent-Type: text/plain; charset=Shift_JIS",
        "お問い合わせありがとうございます。①".encode("cp932"),
    )
    assert parse_email(japanese).text == "お問い合わせありがとうございます。①"
    russian = _raw(
        "From: ivan@example.ru\nSubject: =?koi8-r?B?"
        + __import__("base64").b64encode("Счёт".encode("koi8-r")).decode()
        + "?=\nContent-Type: text/plain; charset=koi8-r",
        "Здравствуйте, где мой заказ?".encode("koi8-r"),
    )
    parsed = parse_email(russian)
    assert parsed.subject == "Счёт"
    assert parsed.text == "Здравствуйте, где мой заказ?"


def test_mislabelled_and_unknown_charsets_fall_back() -> None:
    utf8_as_latin1 = _raw(
        "From: a@example.com\nContent-Type: text/plain; charset=iso-8859-1", "Café crème".encode()
    )
    assert parse_email(utf8_as_latin1).text == "Café crème"
    utf8_as_gb2312 = _raw(
        "From: a@example.com\nContent-Type: text/plain; charset=gb2312",
        "退款申请已经提交了吗".encode(),
    )
    assert parse_email(utf8_as_gb2312).text == "退款申请已经提交了吗"
    unknown = _raw(
        "From: a@example.com\nContent-Type: text/plain; charset=x-no-such-charset",
        "Grüße".encode(),
    )
    assert parse_email(unknown).text == "Grüße"
    hostile = _raw("From: a@example.com\nContent-Type: text/plain; charset=base64", b"abc\xff")
    assert parse_email(hostile).text.startswith("abc")


def test_8bit_body_and_raw_8bit_subject_without_declared_charset() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: R\xc3\xbcckerstattung\r\n\r\n"
        + "Bitte um Rückerstattung, danke schön".encode()
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Rückerstattung"
    assert parsed.text == "Bitte um Rückerstattung, danke schön"


def test_unlabelled_legacy_bodies_are_detected() -> None:
    western = "Grüße aus Köln, naïve Frage zum Café. " * 5
    raw = b"From: a@example.com\r\n\r\n" + western.encode("cp1252")
    assert parse_email(raw).text == western.strip()
    russian = "Здравствуйте, где мой заказ? Жду уже неделю. " * 3
    raw = b"From: a@example.com\r\n\r\n" + russian.encode("cp1251")
    assert parse_email(raw).text == russian.strip()


def test_broken_base64_and_encoded_words_degrade() -> None:
    raw = _raw(
        "From: a@example.com\nSubject: =?utf-8?B?###?= ok\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
        b"SGVsbG8g!!!d29ybGQ",
    )
    parsed = parse_email(raw)
    assert "ok" in parsed.subject
    assert isinstance(parsed.text, str)


# --- HTML -------------------------------------------------------------------------------------


def test_html_only_is_sanitised_and_converted_to_text() -> None:
    message = _message()
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body>"
        "<p onclick=\"steal()\">Hello <b>team</b>,</p><script>alert('x')</script>"
        '<p>See <a href="javascript:alert(1)">this</a> and '
        '<a href="https://acme.test/x">docs</a><br>Thanks</p><img src="cid:logo"></body></html>',
        subtype="html",
    )
    parsed = parse_email(message.as_bytes())
    assert parsed.html is not None
    for forbidden in ("<script", "alert(", "onclick", "javascript:", "<style", "color:red"):
        assert forbidden not in parsed.html
    assert 'src="cid:logo"' in parsed.html
    assert parsed.text.startswith("Hello team,")
    assert "docs <https://acme.test/x>" in parsed.text
    assert "Thanks" in parsed.text
    assert "alert" not in parsed.text


def test_gmail_html_quote_is_left_out_of_the_reply() -> None:
    message = _message(Subject="Re: Help")
    message.set_content(
        '<div dir="ltr">Yes, that fixed it!</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Mon, 3 Jun 2024 at 10:00, Support '
        '&lt;support@acme.test&gt; wrote:<br></div><blockquote class="gmail_quote">'
        "Please restart the printer.</blockquote></div>",
        subtype="html",
    )
    parsed = parse_email(message.as_bytes())
    assert parsed.reply_text == "Yes, that fixed it!"
    assert "Please restart the printer." in parsed.text


def test_apple_mail_blockquote_cite() -> None:
    message = _message()
    message.set_content(
        '<div>Merci beaucoup</div><div><br><blockquote type="cite"><div>Le 3 juin 2024 à '
        "10:00, Support a écrit :</div><div>Ancien message</div></blockquote></div>",
        subtype="html",
    )
    assert parse_email(message.as_bytes()).reply_text == "Merci beaucoup"


# --- threading and identity --------------------------------------------------------------------


def test_threading_headers_and_dates() -> None:
    raw = _raw(
        """From: "Doe, Jane" <Jane.Doe@Example.com>
To: Support <support@acme.test>, other@acme.test
Cc: boss@example.com
Reply-To: tickets+jane@example.com
Subject: Re: Help [#CX-77]
Date: Mon, 03 Jun 2024 12:30:00 +0200
Message-ID: <CAF=abc123@mail.gmail.com>
In-Reply-To: <reply-1@acme.test> (Support's message)
References: <root@acme.test>
 <reply-1@acme.test> <root@acme.test>"""
    )
    parsed = parse_email(raw)
    assert parsed.message_id == "CAF=abc123@mail.gmail.com"
    assert parsed.in_reply_to == "reply-1@acme.test"
    assert parsed.references == ("root@acme.test", "reply-1@acme.test")
    assert (parsed.from_name, parsed.from_address) == ("Doe, Jane", "jane.doe@example.com")
    assert parsed.to == ("support@acme.test", "other@acme.test")
    assert parsed.cc == ("boss@example.com",)
    assert parsed.reply_to == ("tickets+jane@example.com",)
    assert parsed.sent_at == datetime(2024, 6, 3, 10, 30, tzinfo=UTC)
    assert parsed.headers_for_audit["Message-ID"] == "<CAF=abc123@mail.gmail.com>"
    assert parsed.is_automated is False


def test_missing_message_id_gets_a_deterministic_synthetic_one() -> None:
    raw = _raw("From: a@example.com\nSubject: no id\nDate: not a date")
    first, second = parse_email(raw), parse_email(raw)
    assert first.message_id == second.message_id
    assert first.message_id.startswith("sha256-")
    assert first.message_id.endswith("@cxhub.invalid")
    assert parse_email(raw + b"x").message_id != first.message_id
    assert first.sent_at is None
    assert first.in_reply_to is None
    assert first.references == ()


@pytest.mark.parametrize(
    "headers",
    [
        "To: support@acme.test\nSubject: who am I",
        "From: undisclosed-recipients:;\nSubject: nobody",
        "From: Just A Name\nSubject: no address",
    ],
)
def test_no_usable_sender_raises(headers: str) -> None:
    with pytest.raises(UnparseableEmail) as caught:
        parse_email(_raw(headers))
    assert "sender" in caught.value.reason


def test_sender_falls_back_to_sender_header_and_empty_input_raises() -> None:
    assert parse_email(_raw("Sender: list@example.com")).from_address == "list@example.com"
    with pytest.raises(UnparseableEmail):
        parse_email(b"")


def test_normalise_message_id() -> None:
    assert normalise_message_id("  <abc@host>  ") == "abc@host"
    assert normalise_message_id("<a@b> <c@d>") == "a@b"
    assert normalise_message_id("bare@host") == "bare@host"
    assert normalise_message_id("   ") == ""


# --- robots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason_fragment"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted"),
        ("Auto-Submitted: auto-generated; owner-email=x@y", "Auto-Submitted"),
        ("Precedence: bulk", "Precedence"),
        ("Precedence: auto_reply", "Precedence"),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("X-Autorespond: Out of office", "X-Autorespond"),
        ("X-Auto-Response-Suppress: DR, OOF", "X-Auto-Response-Suppress"),
        ("List-Id: <news.example.com>", "List-Id"),
        ("List-Unsubscribe: <mailto:leave@example.com>", "List-Unsubscribe"),
    ],
)
def test_auto_reply_headers(header: str, reason_fragment: str) -> None:
    parsed = parse_email(_raw(f"From: ooo@example.com\n{header}"))
    assert parsed.is_auto_reply
    assert not parsed.is_bounce
    assert parsed.auto_reason is not None
    assert reason_fragment in parsed.auto_reason


@pytest.mark.parametrize(
    "header", ["Auto-Submitted: no", "Precedence: normal", "X-Auto-Response-Suppress: DR, RN"]
)
def test_headers_that_do_not_mean_a_robot(header: str) -> None:
    parsed = parse_email(_raw(f"From: human@example.com\n{header}"))
    assert (parsed.is_auto_reply, parsed.is_bounce, parsed.auto_reason) == (False, False, None)


POSTFIX_BOUNCE = b"""Return-Path: <>\r
Received: by mx.acme.test (Postfix) id 6F1A61A0F4; Mon,  3 Jun 2024 10:00:05 +0000 (UTC)\r
Date: Mon,  3 Jun 2024 10:00:05 +0000 (UTC)\r
From: MAILER-DAEMON@mx.acme.test (Mail Delivery System)\r
Subject: Undelivered Mail Returned to Sender\r
To: support@acme.test\r
Auto-Submitted: auto-replied\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status;\r
\tboundary="4B2C61A0F3.1717408805/mx.acme.test"\r
Message-Id: <20240603100005.6F1A61A0F4@mx.acme.test>\r
\r
This is a MIME-encapsulated message.\r
\r
--4B2C61A0F3.1717408805/mx.acme.test\r
Content-Description: Notification\r
Content-Type: text/plain; charset=us-ascii\r
\r
This is the mail system at host mx.acme.test.\r
\r
I'm sorry to have to inform you that your message could not\r
be delivered to one or more recipients.\r
\r
<nobody@example.com>: host mx.example.com[203.0.113.5] said: 550 5.1.1\r
    <nobody@example.com>: Recipient address rejected: User unknown\r
\r
--4B2C61A0F3.1717408805/mx.acme.test\r
Content-Description: Delivery report\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.acme.test\r
X-Postfix-Queue-ID: 4B2C61A0F3\r
Arrival-Date: Mon,  3 Jun 2024 10:00:04 +0000 (UTC)\r
\r
Final-Recipient: rfc822; nobody@example.com\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: User unknown\r
\r
--4B2C61A0F3.1717408805/mx.acme.test\r
Content-Description: Undelivered Message Headers\r
Content-Type: text/rfc822-headers\r
\r
From: Support <support@acme.test>\r
To: nobody@example.com\r
Subject: Re: Help [#CX-9]\r
Message-ID: <original-1@acme.test>\r
\r
--4B2C61A0F3.1717408805/mx.acme.test--\r
"""


def test_postfix_dsn_bounce() -> None:
    parsed = parse_email(POSTFIX_BOUNCE)
    assert parsed.is_bounce
    assert parsed.is_automated
    assert parsed.auto_reason == "multipart/report; report-type=delivery-status"
    assert parsed.from_address == "mailer-daemon@mx.acme.test"
    assert "could not" in parsed.text
    kinds = [attachment.content_type for attachment in parsed.attachments]
    assert kinds == ["message/delivery-status", "text/rfc822-headers"]
    assert b"Status: 5.1.1" in parsed.attachments[0].content


def test_bounce_from_postmaster_and_from_empty_return_path_with_dsn() -> None:
    assert parse_email(_raw("From: postmaster@example.com\nSubject: failure")).is_bounce
    raw = _raw(
        """From: robot@example.com
Return-Path: <>
Content-Type: multipart/mixed; boundary="b"
""",
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--b\r\n"
        b"Content-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; a@b\r\nAction: failed\r\n\r\n--b--\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.is_bounce
    assert parsed.auto_reason == "Return-Path <> with delivery status"


# --- attachments ------------------------------------------------------------------------------


def test_attachments_inline_image_and_forwarded_message() -> None:
    message = _message()
    message.set_content("See the screenshot")
    message.add_alternative('<p>See <img src="cid:shot1@local"></p>', subtype="html")
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<shot1@local>"
    )
    message.add_attachment(
        "Rechnungsübersicht".encode(), maintype="application", subtype="pdf",
        filename="Übersicht März.pdf",
    )  # fmt: skip
    forwarded = _message(From="old@example.com", Subject="Old")
    forwarded.set_content("old body")
    message.add_attachment(forwarded)
    parsed = parse_email(message.as_bytes())
    assert parsed.text == "See the screenshot"
    by_type = {attachment.content_type: attachment for attachment in parsed.attachments}
    image = by_type["image/png"]
    assert (image.content, image.content_id, image.inline) == (
        b"\x89PNG\r\n\x1a\nfake", "shot1@local", True,
    )  # fmt: skip
    pdf = by_type["application/pdf"]
    assert (pdf.filename, pdf.content, pdf.inline) == (
        "Übersicht März.pdf", "Rechnungsübersicht".encode(), False,
    )  # fmt: skip
    eml = by_type["message/rfc822"]
    assert eml.filename.endswith(".eml")
    assert parse_email(eml.content).subject == "Old"


def test_outlook_rfc2047_attachment_name() -> None:
    raw = _raw(
        """From: a@example.com
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"
""",
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        b'Content-Type: application/octet-stream; name="=?utf-8?B?5pWw5o2uLnhsc3g=?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.text == "hi"
    assert [(a.filename, a.content) for a in parsed.attachments] == [("数据.xlsx", b"\x00\x01\x02")]


def test_result_is_frozen() -> None:
    parsed = parse_email(_raw("From: a@example.com"))
    assert isinstance(parsed, ParsedEmail)
    with pytest.raises(AttributeError):
        parsed.subject = "changed"  # type: ignore[misc]
