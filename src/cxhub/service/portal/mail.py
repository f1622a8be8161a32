"""The sign-in e-mail: one link, in the customer's language, through the outbound mail queue.

It goes out like every system mail (`queue_system_email`: default mailbox, `Auto-Submitted`,
retries), so it needs the workspace's support mailbox and the SMTP relay the helpdesk already
uses. The stored copy of the message holds the link; the link is single-use and dies after
`signin.LINK_LIFETIME`, so the copy is useless once it was clicked or expired.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.service.mail.models import OutboundEmail
from cxhub.service.mail.outbound import queue_system_email
from cxhub.service.portal.signin import LINK_LIFETIME

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Your sign-in link for {portal}",
        "body": "Hello,\n\nopen this link to sign in to {portal}:\n\n{url}\n\n"
        "The link works once, within {minutes} minutes. If you did not ask for it, ignore "
        "this message: nobody can sign in without it.",
    },
    "it": {
        "subject": "Il tuo link di accesso a {portal}",
        "body": "Ciao,\n\napri questo link per accedere a {portal}:\n\n{url}\n\n"
        "Il link funziona una sola volta, entro {minutes} minuti. Se non l'hai richiesto, "
        "ignora questo messaggio: nessuno può accedere senza il link.",
    },
    "zh": {
        "subject": "您的 {portal} 登录链接",
        "body": "您好，\n\n打开此链接登录 {portal}：\n\n{url}\n\n"
        "该链接只能使用一次，{minutes} 分钟内有效。如果您没有请求登录，请忽略此邮件：没有此链接，任何人都无法登录。",
    },
    "id": {
        "subject": "Tautan masuk Anda untuk {portal}",
        "body": "Halo,\n\nbuka tautan ini untuk masuk ke {portal}:\n\n{url}\n\n"
        "Tautan hanya berlaku sekali, dalam {minutes} menit. Jika Anda tidak memintanya, "
        "abaikan pesan ini: tidak ada yang bisa masuk tanpa tautan ini.",
    },
}


def link_language(contact_locale: str | None, page_language: str) -> str:
    """The contact's own language when known, else the language of the page they used."""
    for tag in (contact_locale, page_language):
        primary = (tag or "").replace("_", "-").split("-")[0].lower()
        if primary in TEXTS:
            return primary
    return "en"


def queue_sign_in_email(
    session: Session,
    *,
    workspace_id: int,
    to: str,
    portal: str,
    url: str,
    language: str,
) -> OutboundEmail | None:
    """None when the workspace has no mailbox to send from (the link then never leaves)."""
    texts = TEXTS.get(language, TEXTS["en"])
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    return queue_system_email(
        session,
        workspace_id=workspace_id,
        kind="portal_sign_in",
        to=to,
        subject=texts["subject"].format(portal=portal),
        text=texts["body"].format(portal=portal, url=url, minutes=minutes),
    )
