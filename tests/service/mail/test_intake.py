"""Inbound mail end to end over real SMTP: receiver -> stored row -> ticket work."""

from __future__ import annotations

import email
import smtplib
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.jobs import OUTBOX_KEY, JobRequest
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.models import Contact
from cxhub.service.mail.inbound import PROCESS_PENDING, store_inbound
from cxhub.service.mail.listener import MailboxReceiver
from cxhub.service.mail.models import InboundEmail, InboundStatus, OutboundEmail, OutboundStatus
from cxhub.service.tickets.models import DeliveryStatus, Ticket, TicketMessage, TicketStatus
from tests.service.mail.conftest import Desk, Mx, customer_mail, send

ANN = "ann@customer.test"


def _tickets(desk: Desk) -> list[Ticket]:
    with desk.tenant.session() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def _messages(desk: Desk, ticket_id: int) -> list[TicketMessage]:
    with desk.tenant.session() as session:
        return list(
            session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
        )


def _inbound(desk: Desk) -> list[InboundEmail]:
    with desk.tenant.session() as session:
        return list(session.scalars(select(InboundEmail).order_by(InboundEmail.id)))


def _open_ticket(desk: Desk, smtp: MailboxReceiver, **kwargs: str) -> tuple[Ticket, EmailMessage]:
    mail = customer_mail(to=desk.address, **kwargs)
    send(smtp, mail, to=desk.address, sender=ANN)
    return _tickets(desk)[-1], mail


def test_new_mail_becomes_a_ticket_with_requester_and_attachments(
    desk: Desk, support_smtp: MailboxReceiver
) -> None:
    mail = customer_mail(to=desk.address, body="It smokes.\n\n-- \nAnn, ACME")
    mail.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="bill.pdf"
    )
    send(support_smtp, mail, to=desk.address.replace("@", "+billing@"), sender=ANN)

    [ticket] = _tickets(desk)
    assert ticket.subject == "Printer on fire"
    assert ticket.channel.value == "email"
    [first] = _messages(desk, ticket.id)
    assert first.email_message_id == mail["Message-ID"].strip("<>")
    assert "It smokes." in first.body_text
    assert [a.filename for a in first.attachments] == ["bill.pdf"]
    with desk.tenant.session() as session:
        requester = session.get(Contact, ticket.requester_id)
        assert requester is not None
        assert (requester.first_name, requester.last_name) == ("Ann", "Lee")
        assert [i.value for i in requester.identifiers] == [ANN]
    [row] = _inbound(desk)
    assert (row.status, row.ticket_id) == (InboundStatus.PROCESSED, ticket.id)


def test_chinese_gb2312_mail_is_decoded(desk: Desk, support_smtp: MailboxReceiver) -> None:
    body = "您好，我的订单还没有到。".encode("gb2312")
    raw = (
        b"From: =?gb2312?b?"
        + __import__("base64").b64encode("王秀英".encode("gb2312"))
        + b"?= <wang@customer.test>\r\nTo: "
        + desk.address.encode()
        + b"\r\nSubject: =?gb2312?b?"
        + __import__("base64").b64encode("订单问题".encode("gb2312"))
        + b"?=\r\nMessage-ID: <gb-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
        + b"\r\n"
    )
    send(support_smtp, raw, to=desk.address, sender="wang@customer.test")
    [ticket] = _tickets(desk)
    assert ticket.subject == "订单问题"
    assert "我的订单还没有到" in _messages(desk, ticket.id)[0].body_text
    with desk.tenant.session() as session:
        requester = session.get(Contact, ticket.requester_id)
        assert requester is not None
        assert requester.first_name == "王秀英"


def test_reply_goes_out_threaded_and_the_answer_threads_back(
    desk: Desk, support_smtp: MailboxReceiver, customer_mx: Mx, mail_client: TestClient
) -> None:
    ticket, first = _open_ticket(desk, support_smtp)
    sent_before = len(customer_mx.received)
    response = mail_client.post(
        f"/api/v1/tickets/{ticket.id}/messages",
        json={"body": "Please unplug it.", "public": True},
        headers=desk.tenant.admin,
    )
    assert response.status_code == 201, response.text
    reply = response.json()
    assert reply["delivery_status"] == "queued"  # sent by a job after the commit
    assert _messages(desk, ticket.id)[-1].delivery_status == DeliveryStatus.SENT

    raw, envelope_from, recipients = customer_mx.received[sent_before]
    assert envelope_from == desk.address
    assert recipients == [ANN]
    out = email.message_from_bytes(raw, policy=default_policy)
    assert out["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in out["References"]
    assert out["Subject"] == f"Re: Printer on fire [#CX-{ticket.number}]"
    assert out["Message-ID"].strip("<>") == reply["email_message_id"]
    assert "Acme Support" in out["From"]

    answer = customer_mail(
        to=desk.address,
        subject=f"Re: Printer on fire [#CX-{ticket.number}]",
        body="Done, thanks!\n\nOn Mon, 1 Jun 2026 at 10:00, Acme Support <"
        + desk.address
        + "> wrote:\n> Please unplug it.\n",
        in_reply_to=out["Message-ID"],
        references=f"{first['Message-ID']} {out['Message-ID']}",
    )
    send(support_smtp, answer, to=desk.address, sender=ANN)
    assert len(_tickets(desk)) == 1
    thread = _messages(desk, ticket.id)
    assert [m.author_kind.value for m in thread] == ["customer", "agent", "customer"]
    assert thread[-1].body_text == "Done, thanks!"

    # the same message delivered again: a duplicate, not a second message
    send(support_smtp, answer, to=desk.address, sender=ANN)
    assert len(_messages(desk, ticket.id)) == 3
    assert _inbound(desk)[-1].status == InboundStatus.DUPLICATE


def test_ticket_token_threads_only_for_the_requester(
    desk: Desk, support_smtp: MailboxReceiver
) -> None:
    ticket, _ = _open_ticket(desk, support_smtp)
    token = f"Re: Printer on fire [#CX-{ticket.number}]"
    send(
        support_smtp,
        customer_mail(to=desk.address, subject=token, body="More info."),
        to=desk.address,
        sender=ANN,
    )
    assert len(_tickets(desk)) == 1
    assert _messages(desk, ticket.id)[-1].body_text == "More info."
    stranger = customer_mail(to=desk.address, subject=token, sender="eve@evil.test")
    send(support_smtp, stranger, to=desk.address, sender="eve@evil.test")
    tickets = _tickets(desk)
    assert len(tickets) == 2
    assert len(_messages(desk, ticket.id)) == 2


def test_mail_on_a_closed_ticket_starts_a_follow_up(
    desk: Desk, support_smtp: MailboxReceiver, mail_client: TestClient
) -> None:
    ticket, first = _open_ticket(desk, support_smtp)
    for status in ("solved", "closed"):
        response = mail_client.patch(
            f"/api/v1/tickets/{ticket.id}", json={"status": status}, headers=desk.tenant.admin
        )
        assert response.status_code == 200, response.text
    again = customer_mail(
        to=desk.address,
        subject="Re: Printer on fire",
        in_reply_to=first["Message-ID"],
        body="It is back.",
    )
    send(support_smtp, again, to=desk.address, sender=ANN)
    closed, follow_up = _tickets(desk)
    assert closed.status == TicketStatus.CLOSED
    assert follow_up.follow_up_of_id == closed.id


def test_auto_replies_and_bounces_make_no_ticket_and_no_reply(
    desk: Desk, support_smtp: MailboxReceiver, customer_mx: Mx, mail_client: TestClient
) -> None:
    ticket, _ = _open_ticket(desk, support_smtp)
    reply = mail_client.post(
        f"/api/v1/tickets/{ticket.id}/messages",
        json={"body": "On it."},
        headers=desk.tenant.admin,
    ).json()
    sent_before = len(customer_mx.received)
    out_of_office = customer_mail(
        to=desk.address, subject="Out of office", headers={"Auto-Submitted": "auto-replied"}
    )
    send(support_smtp, out_of_office, to=desk.address, sender=ANN)

    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.customer.test"
    bounce["To"] = desk.address
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<bounce-1@mx.customer.test>"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_content("This is the mail system. Your message could not be delivered.")
    bounce.add_attachment(
        f"Reporting-MTA: dns; mx.customer.test\r\n\r\nFinal-Recipient: rfc822; {ANN}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n",
        subtype="plain",
        filename="status.txt",
    )
    bounce.add_attachment(
        f"Message-ID: <{reply['email_message_id']}>\r\nSubject: Re: Printer on fire\r\n",
        subtype="plain",
        filename="headers.txt",
    )
    bounce.replace_header(
        "Content-Type", bounce["Content-Type"].replace("multipart/mixed", "multipart/report")
    )
    send(support_smtp, bounce, to=desk.address, sender="")

    assert len(_tickets(desk)) == 1
    assert len(_messages(desk, ticket.id)) == 2
    assert len(customer_mx.received) == sent_before
    *_, auto_row, bounce_row = _inbound(desk)
    assert auto_row.status == InboundStatus.IGNORED
    assert bounce_row.status == InboundStatus.IGNORED
    assert "marked 1 outbound" in (bounce_row.reason or "")
    with desk.tenant.session() as session:
        outbound = session.scalar(select(OutboundEmail))
        assert outbound is not None
        assert outbound.status == OutboundStatus.FAILED
    agent_message = _messages(desk, ticket.id)[-1]
    assert agent_message.delivery_status == DeliveryStatus.FAILED
    assert "550 5.1.1" in (agent_message.delivery_error or "")


def test_unparseable_mail_is_quarantined_listed_and_retried(
    desk: Desk, support_smtp: MailboxReceiver, mail_client: TestClient
) -> None:
    send(support_smtp, b"Subject: who am I\r\n\r\nno sender at all\r\n", to=desk.address, sender="")
    [row] = _inbound(desk)
    assert row.status == InboundStatus.QUARANTINED
    assert "sender" in (row.reason or "")
    assert _tickets(desk) == []
    listed = mail_client.get(
        "/api/v1/mail/inbound", params={"status": "quarantined"}, headers=desk.tenant.admin
    )
    assert [item["id"] for item in listed.json()["items"]] == [row.id]
    retried = mail_client.post(f"/api/v1/mail/inbound/{row.id}/retry", headers=desk.tenant.admin)
    assert retried.status_code == 200, retried.text
    assert _inbound(desk)[0].status == InboundStatus.QUARANTINED  # still no sender
    again = mail_client.get(f"/api/v1/mail/inbound/{row.id}", headers=desk.tenant.admin)
    assert again.json()["processed_at"] is not None


def test_unknown_recipient_is_refused_with_550(desk: Desk, support_smtp: MailboxReceiver) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(
            support_smtp,
            customer_mail(to="nobody@nowhere.test"),
            to="nobody@nowhere.test",
            sender=ANN,
        )
    assert refused.value.recipients["nobody@nowhere.test"][0] == 550


def test_acknowledged_mail_whose_job_never_ran_is_processed_by_the_sweep(
    desk: Desk, mail_runtime: Runtime
) -> None:
    raw = customer_mail(to=desk.address).as_bytes()
    with unit_of_work(mail_runtime.session_factory, SYSTEM_SCOPE) as session:
        [row] = store_inbound(session, raw, ANN, [desk.address])
        session.info.pop(OUTBOX_KEY)  # the process "dies" after the commit, before the job ran
    assert _inbound(desk)[0].status == InboundStatus.RECEIVED
    assert _tickets(desk) == []
    mail_runtime.job_queue.submit(JobRequest(PROCESS_PENDING, desk.tenant.workspace_id))
    assert _inbound(desk)[0].status == InboundStatus.PROCESSED
    assert len(_tickets(desk)) == 1
    with desk.tenant.session() as session:
        assert session.scalar(select(func.count(InboundEmail.id))) == 1
    assert row.id == _inbound(desk)[0].id
