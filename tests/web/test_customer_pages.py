"""Search, contact 360 and account 360 pages: content, timeline paging, merges, isolation."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.factories import Tenant, unique
from tests.web.conftest import WebUser, api


def _account(web: TestClient, tenant: Tenant, name: str, **fields: object) -> dict:
    return api(web, tenant, "POST", "/accounts", name=name, **fields)  # type: ignore[no-any-return]


def _contact(web: TestClient, tenant: Tenant, **fields: object) -> dict:
    return api(web, tenant, "POST", "/contacts", **fields)  # type: ignore[no-any-return]


def _touchpoints(web: TestClient, tenant: Tenant, contact_id: int, count: int) -> None:
    for day in range(1, count + 1):
        api(
            web,
            tenant,
            "POST",
            "/interactions",
            kind="email.received",
            channel="email" if day % 2 else "phone",
            occurred_at=f"2026-03-{day:02d}T09:30:00Z",
            contact_id=contact_id,
            summary=f"touchpoint number {day:02d}",
            sentiment=-0.6 if day == 3 else 0.7,
            journey_stage="onboarding",
        )


def _summaries(html: str) -> list[str]:
    return re.findall(r"touchpoint number (\d\d)", html)


def test_search_lists_matching_contacts_with_email_account_and_locale(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    domain = f"{unique('acme')}.com"
    account = _account(web, tenant, "Acme Rockets", domains=[domain])
    _contact(
        web,
        tenant,
        first_name="Marie",
        last_name="Curie",
        emails=[f"marie@{domain}"],
        locale="fr-FR",
    )
    _contact(web, tenant, first_name="Pierre", last_name="Other", emails=["p@example.org"])
    page = web.get("/customers", params={"q": "mar"})
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Marie Curie" in page.text
    assert f"marie@{domain}" in page.text
    assert "Acme Rockets" in page.text
    assert "fr-FR" in page.text
    assert "Pierre" not in page.text
    accounts = web.get("/customers", params={"q": "acme"})
    assert f'href="/accounts/{account["id"]}"' in accounts.text


def test_search_fragment_is_just_the_results(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    _contact(web, tenant, first_name="Fragmented", emails=["frag@example.org"])
    fragment = web.get("/customers/results", params={"q": "fragm"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Fragmented" in fragment.text
    none = web.get("/customers/results", params={"q": "zzzz-nobody"})
    assert "No contacts match “zzzz-nobody”." in none.text


def test_search_escapes_customer_data(web: TestClient, tenant: Tenant, signed_in: WebUser) -> None:
    _contact(web, tenant, first_name="<script>alert(1)</script>", emails=["xss@example.org"])
    page = web.get("/customers", params={"q": "<script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_contact_360_shows_profile_and_newest_first_timeline(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    account = _account(web, tenant, "Globex")
    contact = _contact(
        web,
        tenant,
        first_name="Ada",
        last_name="Lovelace",
        emails=["ada@example.org", "ada.l@example.net"],
        phones=["+44 20 7946 0958"],
        social_handles=["twitter:@ada"],
        external_ids=["u-ada-1"],
        locale="en-GB",
        time_zone="Europe/London",
        country="GB",
        account_id=account["id"],
        custom_attributes={"plan": "enterprise", "seats": 1200},
    )
    _touchpoints(web, tenant, contact["id"], 3)
    page = web.get(f"/contacts/{contact['id']}")
    assert page.status_code == 200
    for expected in (
        "Ada Lovelace",
        "ada@example.org",
        "ada.l@example.net",
        "+442079460958",
        "twitter:ada",
        "u-ada-1",
        "United Kingdom",
        "Europe/London",
        "enterprise",
        "1,200",
        f'href="/accounts/{account["id"]}"',
    ):
        assert expected in page.text, expected
    assert _summaries(page.text) == ["03", "02", "01"]
    assert "onboarding" in page.text
    assert "badge-negative" in page.text
    assert "badge-positive" in page.text
    assert "Mar 3, 2026, 9:30" in page.text  # the agent's locale (en) and time zone (UTC)
    assert "Load more" not in page.text


def test_timeline_load_more_uses_the_cursor(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    contact = _contact(web, tenant, first_name="Paged", emails=[f"{unique()}@example.org"])
    _touchpoints(web, tenant, contact["id"], 25)
    page = web.get(f"/contacts/{contact['id']}")
    first = _summaries(page.text)
    assert first == [f"{day:02d}" for day in range(25, 5, -1)]
    link = re.search(r'data-fragment-url="([^"]+)"', page.text)
    assert link is not None
    fragment = web.get(link.group(1).replace("&amp;", "&"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert _summaries(fragment.text) == ["05", "04", "03", "02", "01"]
    assert "data-fragment-url" not in fragment.text  # nothing older: no further "Load more"
    # Without JavaScript the same cursor pages the whole page.
    plain = re.search(r'href="(/contacts/\d+\?cursor=[^"#]+)#timeline"', page.text)
    assert plain is not None
    older = web.get(plain.group(1).replace("&amp;", "&"))
    assert _summaries(older.text) == ["05", "04", "03", "02", "01"]
    assert "Back to the newest" in older.text


def test_merged_contact_id_redirects_to_the_survivor(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    winner = _contact(web, tenant, first_name="Keep", emails=[f"{unique()}@example.org"])
    loser = _contact(web, tenant, first_name="Dup", emails=[f"{unique()}@example.org"])
    api(web, tenant, "POST", f"/contacts/{winner['id']}/merge", loser_id=loser["id"])
    response = web.get(f"/contacts/{loser['id']}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"/contacts/{winner['id']}"


def test_another_workspaces_contact_is_a_404_page_in_the_shell(
    web: TestClient, other_tenant: Tenant, signed_in: WebUser
) -> None:
    foreign = _contact(web, other_tenant, first_name="Secret", emails=["secret@other.example"])
    foreign_account = _account(web, other_tenant, "Other Corp")
    for path in (
        f"/contacts/{foreign['id']}",
        f"/contacts/{foreign['id']}/timeline",
        f"/accounts/{foreign_account['id']}",
        "/contacts/not-a-number",
        "/no-such-page",
    ):
        response = web.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Page not found" in response.text
        assert 'aria-label="Main"' in response.text  # inside the shell, with navigation
        assert "Secret" not in response.text
        assert "Traceback" not in response.text


def test_api_errors_stay_problem_json(web: TestClient, tenant: Tenant) -> None:
    response = web.get("/api/v1/contacts/999999999", headers=tenant.admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_account_360_shows_domains_owner_people_and_timeline(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    domain = f"{unique('initech')}.com"
    account = _account(
        web,
        tenant,
        "Initech",
        domains=[domain],
        tier="enterprise",
        industry="Software",
        country="IT",
        owner_id=tenant.user_ids[Role.CSM],
    )
    person = _contact(web, tenant, first_name="Peter", last_name="Gibbons", emails=[f"p@{domain}"])
    _touchpoints(web, tenant, person["id"], 2)
    page = web.get(f"/accounts/{account['id']}")
    assert page.status_code == 200
    for expected in (
        "Initech",
        domain,
        "enterprise",
        "Software",
        "Italy",
        f"csm {tenant.slug}",
        "Peter Gibbons",
        f'href="/customers?account_id={account["id"]}"',
    ):
        assert expected in page.text, expected
    assert _summaries(page.text) == ["02", "01"]
    people = web.get("/customers", params={"account_id": account["id"]})
    assert "People at Initech" in people.text
    assert "Peter Gibbons" in people.text


def test_account_list_searches_by_name(web: TestClient, tenant: Tenant, signed_in: WebUser) -> None:
    _account(web, tenant, "Umbrella Corporation")
    _account(web, tenant, "Cyberdyne")
    page = web.get("/accounts", params={"q": "umb"})
    assert page.status_code == 200
    assert "Umbrella Corporation" in page.text
    assert "Cyberdyne" not in page.text
    assert 'aria-current="page"' in page.text


def test_navigation_follows_the_role(web: TestClient, signed_in: WebUser) -> None:
    page = web.get("/customers")
    nav = page.text.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/customers"' in nav
    assert 'href="/accounts"' in nav
