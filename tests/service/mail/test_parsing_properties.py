"""Round trips through the MIME parser for any content (hypothesis): what a well-behaved mail
client writes — display names, subjects, bodies, attachments in any charset — comes back as
written; and arbitrary extra header lines never make a message unparseable."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxhub.service.mail.parsing import UnparseableEmail, parse_email

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a person can type: no control characters or surrogates (a mail client cannot send them).
typed = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
    max_size=80,
)
one_line = typed.map(lambda s: " ".join(s.split()))
body_text = st.lists(one_line, max_size=8).map("\n".join)
local_parts = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
domains = st.from_regex(r"[a-z0-9]{1,12}\.(com|org|io|it|cn)", fullmatch=True)
charsets = st.sampled_from(["utf-8", "iso-8859-1", "gb18030", "shift_jis", "koi8-r", "big5"])


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


@FAST
@given(
    name=one_line,
    local=local_parts,
    domain=domains,
    subject=one_line,
    body=body_text,
    charset=charsets,
    html=st.booleans(),
)
def test_what_a_client_writes_is_what_the_parser_reads(
    name: str, local: str, domain: str, subject: str, body: str, charset: str, html: bool
) -> None:
    message = EmailMessage()
    message["From"] = Address(display_name=name, addr_spec=f"{local}@{domain}")
    message["To"] = "support@acme.test"
    message["Subject"] = subject
    message_id = make_msgid(domain="customer.test")
    message["Message-ID"] = message_id
    if _encodable(body, charset):
        message.set_content(body, charset=charset)
    else:
        message.set_content(body)
    if html:
        message.add_alternative("<p>see the text part</p>", subtype="html")
    parsed = parse_email(message.as_bytes())
    assert parsed.from_address == f"{local}@{domain}"
    assert parsed.from_name == name
    assert parsed.subject == subject
    assert parsed.to == ("support@acme.test",)
    if body.strip():
        assert parsed.text == body.strip()
    else:  # an empty text part: the HTML alternative is shown instead, if there is one
        assert parsed.text == ("see the text part" if html else "")
    assert parsed.message_id.strip("<>") == message_id.strip("<>")


@FAST
@given(
    filename=one_line.filter(lambda s: s.strip() and "/" not in s and "\\" not in s),
    content=st.binary(max_size=2000),
    subtype=st.sampled_from(["octet-stream", "pdf", "zip"]),
)
def test_attachments_come_back_byte_for_byte(filename: str, content: bytes, subtype: str) -> None:
    message = EmailMessage()
    message["From"] = "ann@customer.test"
    message["To"] = "support@acme.test"
    message["Subject"] = "files"
    message.set_content("see attached")
    message.add_attachment(content, maintype="application", subtype=subtype, filename=filename)
    parsed = parse_email(message.as_bytes())
    assert [a.content for a in parsed.attachments] == [content]
    assert parsed.attachments[0].content_type == f"application/{subtype}"
    assert parsed.attachments[0].filename.strip()
    assert parsed.text == "see attached"


header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,30}", fullmatch=True)
header_values = st.binary(max_size=200).map(lambda b: b.replace(b"\r", b" ").replace(b"\n", b" "))


@FAST
@given(extra=st.lists(st.tuples(header_names, header_values), max_size=12))
def test_arbitrary_extra_headers_never_cost_the_message(
    extra: list[tuple[str, bytes]],
) -> None:
    """Any header lines (any bytes, any names — even a second From or a broken Date) are
    parsed or the message is quarantined with a reason; the parser never raises otherwise."""
    lines = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in extra)
    raw = (
        b"From: Ann <ann@customer.test>\r\nTo: support@acme.test\r\n"
        + lines
        + b"Subject: hello\r\n\r\nthe body\r\n"
    )
    try:
        parsed = parse_email(raw)
    except UnparseableEmail as refused:
        reason = refused.reason
        assert reason, "a quarantined message says why"
        return
    assert parsed.from_address
    assert isinstance(parsed.subject, str)
    assert "\n" not in parsed.subject
    assert "the body" in parsed.text or parsed.text == ""
