"""Surveys that send themselves, through real SMTP and the customer portal: a solved ticket, a
touchpoint kind (onboarding done), days before a renewal, and a playbook's enrolment. The mail
arrives in the contact's language with working links; the portal lists pending surveys."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from cxhub.experience.surveys import triggers
from tests.service.mail.conftest import Mx
from tests.service.portal.conftest import Portal, form_field, mails_to, wait_for_mail


def today() -> date:
    """Read when used, not at import: a run that crosses midnight UTC compares with the code's
    own clock, so a date taken at collection would be a day behind."""
    return datetime.now(UTC).date()


def _survey(portal: Portal, **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": f"S {len(body)}", "kind": "nps", "status": "active"}
    payload.update(body)
    result: dict[str, Any] = portal.api("POST", "/surveys", json=payload)
    return result


def _links(mx: Mx, address: str) -> list[tuple[str, str]]:
    message = wait_for_mail(mx, address)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return re.findall(r"https?://\S+(/s/[A-Za-z0-9_-]+)\?score=(\d+)", body.get_content())


def test_a_solved_ticket_mails_the_nps_survey_in_italian_and_the_link_answers_it(
    portal: Portal, browser: TestClient
) -> None:
    survey = _survey(portal, trigger={"type": "ticket_solved"})
    contact_id, address = portal.contact(locale="it-IT")
    ticket = portal.api(
        "POST",
        "/tickets",
        json={"subject": "Fattura", "description": "Doppio addebito", "requester_id": contact_id},
    )
    portal.api("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    message = wait_for_mail(portal.mx, address)
    assert "vorrebbe il tuo parere" in message["Subject"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Quanto è probabile che tu consigli" in body.get_content()
    links = _links(portal.mx, address)
    assert [score for _path, score in links] == [str(s) for s in range(11)]
    path = links[2][0]
    page = browser.get(f"{path}?score=2")
    assert page.status_code == 200
    assert 'value="2" required checked' in page.text
    assert browser.post(path, data={"q_nps": "2", "q_comment": "Lento"}).status_code == 200
    [answer] = portal.api("GET", f"/surveys/{survey['id']}/responses")["items"]
    assert (answer["score"], answer["touchpoint"], answer["channel"]) == (
        2,
        "ticket_solved",
        "email",
    )
    assert answer["language"] == "it"


def test_onboarding_done_puts_a_survey_in_the_portal(portal: Portal, browser: TestClient) -> None:
    survey = _survey(
        portal,
        kind="ces",
        trigger={
            "type": "interaction",
            "interaction_kind": "onboarding.completed",
            "channel": "portal",
        },
    )
    contact_id, address = portal.contact(locale="id")
    other_id, other_address = portal.contact()
    for who in (contact_id, other_id):
        portal.api(
            "POST",
            "/interactions",
            json={
                "kind": "onboarding.completed",
                "channel": "in_app",
                "occurred_at": datetime.now(UTC).isoformat(),
                "contact_id": who,
            },
        )
    portal.api(
        "POST",
        "/interactions",
        json={
            "kind": "call",
            "channel": "phone",
            "occurred_at": datetime.now(UTC).isoformat(),
            "contact_id": contact_id,
        },
    )
    portal.sign_in(browser, address)
    listing = browser.get(portal.path("/surveys"))
    assert listing.status_code == 200
    invitation_ids = re.findall(r'data-invitation="(\d+)"', listing.text)
    assert len(invitation_ids) == 1  # the call did not trigger a second one
    form = browser.get(portal.path(f"/surveys/{invitation_ids[0]}"))
    assert "memudahkan saya" in form.text  # the CES question in Indonesian
    token = form_field(form.text, "csrf_token")
    no_csrf = browser.post(portal.path(f"/surveys/{invitation_ids[0]}"), data={"q_ces": "6"})
    assert no_csrf.status_code in (400, 403)
    answered = browser.post(
        portal.path(f"/surveys/{invitation_ids[0]}"),
        data={"q_ces": "6", "csrf_token": token},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text
    assert "portal-no-surveys" in browser.get(portal.path("/surveys")).text
    [answer] = portal.api("GET", f"/surveys/{survey['id']}/responses")["items"]
    assert (answer["channel"], answer["touchpoint"], answer["score"]) == (
        "portal",
        "onboarding.completed",
        6,
    )
    # the other contact's invitation is not reachable from this customer's portal
    with portal.browser() as other_browser:
        portal.sign_in(other_browser, other_address)
        theirs = re.findall(
            r'data-invitation="(\d+)"', other_browser.get(portal.path("/surveys")).text
        )
    assert len(theirs) == 1
    assert browser.get(portal.path(f"/surveys/{theirs[0]}")).status_code == 404


def test_renewal_surveys_go_out_once_per_renewal(portal: Portal) -> None:
    _survey(portal, kind="nps", trigger={"type": "renewal", "days_before": 90})
    account = portal.api("POST", "/accounts", json={"name": "Renewing Co"})
    _contact_id, address = portal.contact(account_id=account["id"])
    portal.api(
        "POST",
        "/subscriptions",
        json={
            "account_id": account["id"],
            "plan": "Pro",
            "currency": "EUR",
            "mrr_cents": 10_000,
            "started_on": (today() - timedelta(days=300)).isoformat(),
            "renewal_on": (today() + timedelta(days=30)).isoformat(),
        },
    )
    far = portal.api("POST", "/accounts", json={"name": "Later Co"})
    _far_contact, far_address = portal.contact(account_id=far["id"])
    portal.api(
        "POST",
        "/subscriptions",
        json={
            "account_id": far["id"],
            "plan": "Pro",
            "currency": "EUR",
            "mrr_cents": 10_000,
            "started_on": (today() - timedelta(days=10)).isoformat(),
            "renewal_on": (today() + timedelta(days=200)).isoformat(),
        },
    )
    with portal.desk.tenant.session() as session:
        sent = triggers.renewals_due(session, public_url="http://cx.test")
    assert sent == 1
    wait_for_mail(portal.mx, address)
    with portal.desk.tenant.session() as session:
        assert triggers.renewals_due(session, public_url="http://cx.test") == 0
    assert mails_to(portal.mx, address) == 1
    assert mails_to(portal.mx, far_address) == 0


def test_a_playbook_enrolment_is_sent_and_marked(portal: Portal) -> None:
    survey = _survey(portal, name="Detractor follow-up", kind="csat")
    account = portal.api("POST", "/accounts", json={"name": "Enrolled Co"})
    contact_id, address = portal.contact(account_id=account["id"])
    portal.api(
        "POST",
        "/playbooks",
        json={
            "name": "Follow up",
            "trigger": {"type": "nps_detractor", "max_score": 6},
            "actions": [{"type": "enrol_in_survey", "survey": "detractor-follow-up"}],
        },
    )
    response = portal.client.post(
        "/api/v1/playbooks/signals/nps",
        json={"account_id": account["id"], "contact_id": contact_id, "score": 2},
        headers=portal.desk.tenant.admin,
    )
    assert response.status_code == 202, response.text
    message = wait_for_mail(portal.mx, address)
    assert "feedback" in message["Subject"]
    assert portal.api("GET", "/survey-enrolments") == []  # processed, no longer pending
    links = _links(portal.mx, address)
    assert [s for _p, s in links] == ["1", "2", "3", "4", "5"]
    assert survey["kind"] == "csat"
