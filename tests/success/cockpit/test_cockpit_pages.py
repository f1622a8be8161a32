"""The CSM cockpit page: at-risk first, renewals by window with ARR, overdue and due-soon tasks,
completing a task, permissions."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.factories import Tenant
from tests.success.cockpit.conftest import Portfolio, today
from tests.web.conftest import MakeUser, form_token, sign_in


def _rows(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-account="(\d+)"', html)]


def test_the_cockpit_shows_my_accounts_at_risk_first_with_renewals_and_tasks(
    web: TestClient,
    portfolio: Portfolio,
) -> None:
    assert sign_in(web, portfolio.csm).status_code == 303
    page = web.get("/success/cockpit")
    assert page.status_code == 200, page.text
    html = page.text
    assert _rows(html) == [portfolio.at_risk, portfolio.healthy, portfolio.unscored]
    assert f'data-account="{portfolio.at_risk}" data-tone="negative"' in html
    assert f'data-account="{portfolio.healthy}" data-tone="positive"' in html
    assert 'href="/success/cockpit"' in html  # in the CSM's navigation
    overdue = html.split('data-task-list="overdue"')[1].split("</ul>")[0]
    soon = html.split('data-task-list="due-soon"')[1].split("</ul>")[0]
    assert f'data-task="{portfolio.overdue_task}"' in overdue
    assert "Call the sponsor" in overdue
    assert f'data-task="{portfolio.soon_task}"' in soon
    assert f'data-task="{portfolio.later_task}"' not in html
    assert f'data-task="{portfolio.foreign_task}"' not in html
    within_30 = html.split('data-renewals="30"')[1].split("</table>")[0]
    assert f"/accounts/{portfolio.at_risk}" in within_30
    assert "€1,200.00" in within_30  # ARR = 12 × 100.00 MRR
    assert "(in 20 days)" in within_30
    assert 'data-arr="30-EUR">ARR €1,200.00' in html
    assert f"/accounts/{portfolio.healthy}" in html.split('data-renewals="90"')[1]
    # A renewal beyond 90 days is the account's next renewal, but in no renewal window.
    later = format_date(today() + timedelta(days=200), "medium", locale="en")
    unscored_row = html.split(f'<tr data-account="{portfolio.unscored}"')[1].split("</tr>")[0]
    assert later in unscored_row
    windows = html.split('data-section="renewals"')[1]
    assert f"/accounts/{portfolio.unscored}" not in windows


def test_completing_a_task_from_the_cockpit(web: TestClient, portfolio: Portfolio) -> None:
    assert sign_in(web, portfolio.csm).status_code == 303
    page = web.get("/success/cockpit")
    token = form_token(page.text)
    url = f"/success/cockpit/tasks/{portfolio.overdue_task}/complete"
    refused = web.post(url, data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    done = web.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/success/cockpit"
    after = web.get("/success/cockpit").text
    assert "Task completed." in after
    assert f'data-task="{portfolio.overdue_task}"' not in after
    missing = web.post(
        "/success/cockpit/tasks/999999999/complete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert missing.status_code == 303
    assert "That task no longer exists." in web.get("/success/cockpit").text


def test_readers_see_their_own_cockpit_but_cannot_complete(
    web: TestClient,
    tenant: Tenant,
    portfolio: Portfolio,
    make_user: MakeUser,
) -> None:
    viewer = make_user(tenant, role=Role.VIEWER)
    assert sign_in(web, viewer).status_code == 303
    page = web.get("/success/cockpit")
    assert page.status_code == 200
    assert _rows(page.text) == []  # the viewer owns nothing
    assert "You own no accounts yet." in page.text
    assert 'href="/success/cockpit"' not in page.text  # not in a viewer's navigation
    response = web.post(
        f"/success/cockpit/tasks/{portfolio.overdue_task}/complete",
        data={"csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_signed_out_visitors_go_to_the_login(web: TestClient) -> None:
    response = web.get("/success/cockpit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/success/cockpit"


def test_the_cockpit_speaks_italian(
    web: TestClient,
    tenant: Tenant,
    portfolio: Portfolio,
    make_user: MakeUser,
) -> None:
    italian = make_user(tenant, role=Role.CSM, locale="it-IT")
    assert sign_in(web, italian).status_code == 303
    html = web.get("/success/cockpit").text
    for text in ("Cruscotto CSM", "I miei account", "Rinnovi", "Niente in ritardo."):
        assert text in html, text
