"""The CSAT request e-mail: five one-click links, in the requester's language."""

from __future__ import annotations

from html import escape

from sqlalchemy.orm import Session

from cxhub.customers.contacts.service import get_contact
from cxhub.service.mail.models import OutboundEmail
from cxhub.service.mail.outbound import queue_ticket_email
from cxhub.service.tickets.models import Ticket

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "How did we do? {subject}",
        "intro": "Your request “{subject}” was solved. How satisfied are you with our support?",
        "labels": "Very unsatisfied|Unsatisfied|Neutral|Satisfied|Very satisfied",
        "outro": "One click is enough; you can add a comment on the page that opens.",
    },
    "it": {
        "subject": "Come siamo andati? {subject}",
        "intro": "La tua richiesta «{subject}» è stata risolta. Quanto sei soddisfatto "
        "della nostra assistenza?",
        "labels": "Molto insoddisfatto|Insoddisfatto|Neutrale|Soddisfatto|Molto soddisfatto",
        "outro": "Basta un clic; nella pagina che si apre puoi aggiungere un commento.",
    },
    "zh": {
        "subject": "我们做得怎么样？{subject}",
        "intro": "您的请求“{subject}”已解决。您对我们的支持服务满意吗？",
        "labels": "非常不满意|不满意|一般|满意|非常满意",
        "outro": "只需点击一次；在打开的页面中您还可以留下评论。",
    },
    "id": {
        "subject": "Bagaimana layanan kami? {subject}",
        "intro": "Permintaan Anda “{subject}” telah diselesaikan. Seberapa puas Anda dengan "
        "dukungan kami?",
        "labels": "Sangat tidak puas|Tidak puas|Netral|Puas|Sangat puas",
        "outro": "Cukup satu klik; Anda dapat menambahkan komentar di halaman yang terbuka.",
    },
}


def _language(locale: str | None) -> str:
    primary = (locale or "en").replace("_", "-").split("-")[0].lower()
    return primary if primary in TEXTS else "en"


def queue_csat_email(
    session: Session, *, ticket: Ticket, token: str, public_url: str
) -> OutboundEmail | None:
    contact = get_contact(session, contact_id=ticket.requester_id)
    texts = TEXTS[_language(contact.locale or ticket.language)]
    base = f"{public_url.rstrip('/')}/csat/{token}"
    labels = texts["labels"].split("|")
    links = [(score, labels[score - 1], f"{base}?score={score}") for score in range(1, 6)]
    text = "\n".join(
        [
            texts["intro"].format(subject=ticket.subject),
            "",
            *(f"{score} – {label}: {url}" for score, label, url in links),
            "",
            texts["outro"],
        ]
    )
    html = (
        f"<p>{escape(texts['intro'].format(subject=ticket.subject))}</p><p>"
        + " ".join(
            f'<a href="{escape(url)}" style="padding:6px 10px;border:1px solid #888;'
            f'border-radius:4px;text-decoration:none">{score} {escape(label)}</a>'
            for score, label, url in links
        )
        + f"</p><p>{escape(texts['outro'])}</p>"
    )
    return queue_ticket_email(
        session,
        ticket=ticket,
        kind="csat",
        subject=texts["subject"].format(subject=ticket.subject),
        text=text,
        html=html,
    )
