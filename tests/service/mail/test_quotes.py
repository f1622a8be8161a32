"""Quote and signature stripping: the new part of a reply, in the languages customers write in."""

from __future__ import annotations

import pytest

from cxhub.service.mail.parsing import parse_email
from cxhub.service.mail.quotes import strip_quoted_reply


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Jun 3, 2024 at 10:00 AM Support <support@acme.test> wrote:",
        "Il giorno lun 3 giu 2024 alle ore 10:00 Supporto <support@acme.test> ha scritto:",
        "在 2024年6月3日 10:00，客服 <support@acme.test> 写道：",
        "Pada tanggal Sen, 3 Jun 2024 pukul 10.00 Support <support@acme.test> menulis:",
        "Am 03.06.2024 um 10:00 schrieb Support <support@acme.test>:",
        "Le lun. 3 juin 2024 à 10:00, Support <support@acme.test> a écrit :",
        "El lun, 3 jun 2024 a las 10:00, Support (<support@acme.test>) escribió:",
        "Em seg., 3 de jun. de 2024 às 10:00, Support <support@acme.test> escreveu:",
    ],
)
def test_attribution_and_everything_after_it_is_history(attribution: str) -> None:
    body = f"Thanks, it works now.\n\n{attribution}\n> Please restart it.\n> Regards\n"
    assert strip_quoted_reply(body) == "Thanks, it works now."


def test_attribution_wrapped_over_two_lines() -> None:
    body = (
        "Sounds good.\n\nOn Mon, Jun 3, 2024 at 10:00 AM Support Team <\n"
        "support@acme.test> wrote:\n\n> old text\n"
    )
    assert strip_quoted_reply(body) == "Sounds good."


def test_a_sentence_that_merely_looks_like_an_attribution_is_kept() -> None:
    body = "On reflection, here is what my colleague wrote:\nthe printer is fine."
    assert strip_quoted_reply(body) == body


def test_outlook_original_message_block() -> None:
    body = (
        "Please cancel the order.\r\n\r\n-----Original Message-----\r\n"
        "From: Support <support@acme.test>\r\nSent: Monday, June 3, 2024 10:00 AM\r\n"
        "To: Jane\r\nSubject: Order\r\n\r\nYour order shipped.\r\n"
    )
    assert strip_quoted_reply(body) == "Please cancel the order."


def test_outlook_underscore_separator_and_header_blocks() -> None:
    underscores = (
        "Ok.\n\n________________________________\nFrom: Support <support@acme.test>\n"
        "Sent: 03 June 2024 10:00\nSubject: Re: x\n\nold\n"
    )
    assert strip_quoted_reply(underscores) == "Ok."
    italian = (
        "Va bene, grazie.\n\nDa: Supporto <support@acme.test>\nInviato: lunedì 3 giugno 2024 10:00\n"
        "A: Mario\nOggetto: Ordine\n\nIl suo ordine è stato spedito.\n"
    )
    assert strip_quoted_reply(italian) == "Va bene, grazie."
    chinese = "好的。\n\n发件人: 客服 <support@acme.test>\n发送时间: 2024年6月3日 10:00\n\n旧邮件\n"
    assert strip_quoted_reply(chinese) == "好的。"


def test_from_line_without_a_header_block_is_kept() -> None:
    body = "From: the warehouse team\nwe will ship tomorrow."
    assert strip_quoted_reply(body) == body


def test_signature_and_mobile_footers() -> None:
    assert strip_quoted_reply("Hi,\nsee attached.\n-- \nJane Doe\nACME Corp\n") == (
        "Hi,\nsee attached."
    )
    assert strip_quoted_reply("Yes please\n\nSent from my iPhone") == "Yes please"
    assert strip_quoted_reply("Sì, grazie\n\nInviato da iPhone\n\n> vecchio") == "Sì, grazie"
    assert strip_quoted_reply("Baik, terima kasih\n\nDikirim dari Yahoo Mail di Android") == (
        "Baik, terima kasih"
    )


def test_inline_answers_keep_only_the_answers() -> None:
    body = "> Which model?\nThe X200.\n> Since when?\nSince Monday."
    assert strip_quoted_reply(body) == "The X200.\nSince Monday."


def test_bottom_posting_keeps_the_answer() -> None:
    body = (
        "On Mon, Jun 3, 2024 at 10:00 Support <s@acme.test> wrote:\n> Which model?\n\nThe X200.\n"
    )
    assert strip_quoted_reply(body) == "The X200."


@pytest.mark.parametrize(
    "body", ["> only a quote", "-- \nJust a signature", "Sent from my iPhone", "   \n"]
)
def test_never_empty_when_there_was_text(body: str) -> None:
    assert strip_quoted_reply(body) == body.strip()


def test_reply_text_through_parse_email() -> None:
    raw = (
        "From: jane@example.com\r\nSubject: Re: Help\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "谢谢，好了。\r\n\r\n在 2024年6月3日 10:00，客服\r\n<support@acme.test> 写道：\r\n> 请重启\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.reply_text == "谢谢，好了。"
    assert "请重启" in parsed.text
