"""compose_reply: threading headers, ticket token, robots' marker, any language, read back."""

from __future__ import annotations

from email.message import EmailMessage

from cxhub.service.mail.compose import MAX_REFERENCES, compose_reply, thread_references
from cxhub.service.mail.parsing import ParsedAttachment, parse_email

LONG_ID = "AM0PR04MB1234567890ABCDEF1234567890ABCDEF@AM0PR04MB1234.eurprd04.prod.outlook.example"


def _reply(**overrides: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "from_address": "support@acme.test",
        "from_name": "ACME Support",
        "to": ["Jane <jane@example.com>"],
        "subject": "Printer broken",
        "text": "Please restart it.",
        "message_id_domain": "acme.test",
    }
    arguments.update(overrides)
    return compose_reply(**arguments)  # type: ignore[arg-type]


def test_threading_headers_read_back_by_the_parser() -> None:
    message = _reply(
        in_reply_to=f"<{LONG_ID}>",
        references=["<root@acme.test>", f"<{LONG_ID}>"],
        ticket_number=42,
        subject="RE: Re: Printer broken",
    )
    raw = message.as_bytes()
    assert b"=?utf-8?" not in raw.split(b"\n\n", 1)[0].split(b"References:")[1]
    parsed = parse_email(raw)
    assert parsed.message_id.endswith("@acme.test")
    assert parsed.in_reply_to == LONG_ID
    assert parsed.references == ("root@acme.test", LONG_ID)
    assert parsed.subject == "Re: Printer broken [#CX-42]"
    assert parsed.from_address == "support@acme.test"
    assert parsed.to == ("jane@example.com",)
    assert parsed.sent_at is not None
    assert parsed.is_automated is False
    assert parsed.text == "Please restart it."


def test_fresh_message_ids_and_no_reply_prefix_without_a_parent() -> None:
    first, second = _reply(ticket_number=5), _reply(ticket_number=5)
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Subject"] == "Printer broken [#CX-5]"
    assert first["In-Reply-To"] is None
    assert first["References"] is None


def test_references_are_deduplicated_and_capped_keeping_first_and_last() -> None:
    chain = [f"<m{index}@x>" for index in range(40)]
    references = thread_references([*chain, "<m3@x>"], "<m39@x>")
    assert len(references) == MAX_REFERENCES
    assert references[0] == "m0@x"
    assert references[-1] == "m39@x"
    assert len(set(references)) == len(references)
    assert thread_references(["<a@x> <b@x>", "<a@x>"], "b@x") == ["a@x", "b@x"]


def test_auto_generated_messages_are_marked_and_read_back_as_robots() -> None:
    parsed = parse_email(_reply(auto_generated=True).as_bytes())
    assert parsed.is_auto_reply
    assert parsed.auto_reason == "Auto-Submitted: auto-replied"


def test_any_language_html_alternative_and_attachments() -> None:
    message = _reply(
        from_name="Служба поддержки — 客服",
        to="Zoë Ünal <zoe@example.com>",
        subject="打印机 Drucker Принтер",
        text="你好 Grüße Привет 😀\n",
        html='<p>你好 <img src="cid:logo@acme"></p>',
        ticket_number=9,
        attachments=[
            ParsedAttachment("logo.png", "image/png", b"\x89PNG-data", "logo@acme", True),
            ParsedAttachment("Rechnung März.pdf", "application/pdf", b"%PDF-1.4"),
        ],
    )
    raw = message.as_bytes()
    assert raw.isascii()  # 7-bit on the wire: no relay can mangle it
    assert message.get_content_type() == "multipart/mixed"
    parsed = parse_email(raw)
    assert parsed.from_name == "Служба поддержки — 客服"
    assert parsed.subject == "打印机 Drucker Принтер [#CX-9]"
    assert parsed.text == "你好 Grüße Привет 😀"
    assert parsed.html is not None
    assert "你好" in parsed.html
    found = {(a.filename, a.content, a.content_id, a.inline) for a in parsed.attachments}
    assert found == {
        ("logo.png", b"\x89PNG-data", "logo@acme", True),
        ("Rechnung März.pdf", b"%PDF-1.4", None, False),
    }
