"""No query crosses workspaces (ADR 0006).

Every route with a path parameter is called by workspace A's admin on an object of workspace B and
must answer 404 (never 403, which would confirm the object exists, and never 200), leaving B's
object as it was. Lists of A never show B's rows. Below the API, a session scoped to A can neither
read B's rows nor write rows into B.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session

from cxhub.core.audit import AuditEntry
from cxhub.core.db import WorkspaceNotSet, unit_of_work
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.customers.timeline.models import Interaction
from cxhub.experience.journeys.models import Journey
from cxhub.experience.nextaction.models import NextActionDecision
from cxhub.experience.surveys.models import Survey, SurveyResponse
from cxhub.experience.topics.models import Topic
from cxhub.experience.touchpoints.models import Touchpoint
from cxhub.knowledge.articles.models import ArticleFile, KnowledgeArticle, KnowledgeCollection
from cxhub.people.models import ApiToken, Team, User
from cxhub.privacy.models import ErasureRecord
from cxhub.service.automations.models import AutomationRecord, MacroRecord, TriggerRecord
from cxhub.service.channels.models import ChannelSource
from cxhub.service.mail.models import InboundEmail, Mailbox
from cxhub.service.sla.models import BusinessCalendarRecord, SlaPolicy
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage
from cxhub.service.views.models import SavedView
from cxhub.success.health.models import HealthScorecard
from cxhub.success.playbooks.models import Playbook
from cxhub.success.subscriptions.models import Subscription
from cxhub.success.tasks.models import CsmTask
from cxhub.success.usage.models import TrackingWriteKey
from tests.api.problems import assert_problem
from tests.api.routes import ServedRoute, served_routes
from tests.api.test_route_permissions import PUBLIC_ROUTES
from tests.factories import Tenant, unique

Builder = Callable[[TestClient, Tenant], int]


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def build_account(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/accounts", {"name": unique("Acct ")})["id"])


def build_contact(client: TestClient, tenant: Tenant) -> int:
    body = {"first_name": "Bo", "emails": [f"{unique('p')}@example.org"]}
    return int(_post(client, tenant, "/contacts", body)["id"])


def build_interaction(client: TestClient, tenant: Tenant) -> int:
    body = {
        "kind": "call",
        "channel": "phone",
        "occurred_at": "2026-03-01T10:00:00Z",
        "contact_id": build_contact(client, tenant),
    }
    return int(_post(client, tenant, "/interactions", body)["id"])


def build_user(client: TestClient, tenant: Tenant) -> int:
    body = {"email": f"{unique('u')}@example.org", "name": "Someone", "role": "viewer"}
    return int(_post(client, tenant, "/users", body)["id"])


def build_team(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/teams", {"name": unique("team ")})["id"])


def build_token(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/me/tokens", {"name": "isolation"})["id"])


def build_ticket(client: TestClient, tenant: Tenant) -> int:
    body = {"subject": "s", "description": "d", "requester_id": build_contact(client, tenant)}
    return int(_post(client, tenant, "/tickets", body)["id"])


def build_attachment(client: TestClient, tenant: Tenant) -> int:
    response = client.post(
        "/api/v1/attachments", files={"file": ("a.txt", b"secret")}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def build_calendar(client: TestClient, tenant: Tenant) -> int:
    body = {"name": "c", "time_zone": "UTC", "weekly_hours": {"mon": [["09:00", "17:00"]]}}
    return int(_post(client, tenant, "/business-calendars", body)["id"])


def build_policy(client: TestClient, tenant: Tenant) -> int:
    body = {"name": "p", "targets": {"first_reply": 60}, "active": False}
    return int(_post(client, tenant, "/sla-policies", body)["id"])


def build_view(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/views", {"name": unique("view "), "shared": True})["id"])


TRIGGER_BODY: dict[str, Any] = {
    "name": "t",
    "all": [{"field": "event", "op": "is", "value": "ticket_created"}],
    "actions": [{"type": "add_tags", "tags": ["isolated"]}],
}
AUTOMATION_BODY: dict[str, Any] = {
    "name": "a",
    "all": [
        {"field": "status", "op": "is", "value": "solved"},
        {"field": "hours_since_solved", "op": "gte", "value": 96},
    ],
    "actions": [{"type": "set_status", "status": "closed"}],
}
MACRO_BODY: dict[str, Any] = {"name": "m", "actions": [{"type": "set_priority", "priority": "low"}]}


def build_channel(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/channels", {"name": unique("chat "), "kind": "chat"})["id"])


def build_trigger(client: TestClient, tenant: Tenant) -> int:
    # inactive, so it does not change the other tickets the test builds in that workspace
    return int(_post(client, tenant, "/triggers", {**TRIGGER_BODY, "active": False})["id"])


def build_automation(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/automations", AUTOMATION_BODY)["id"])


def build_macro(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/macros", MACRO_BODY)["id"])


def build_message(client: TestClient, tenant: Tenant) -> int:
    ticket = build_ticket(client, tenant)
    response = client.get(f"/api/v1/tickets/{ticket}/messages", headers=tenant.admin)
    assert response.status_code == 200, response.text
    return int(response.json()["items"][0]["id"])


def build_mailbox(client: TestClient, tenant: Tenant) -> int:
    body = {"address": f"{unique('support')}@{unique('d')}.example.com", "display_name": "S"}
    return int(_post(client, tenant, "/mailboxes", body)["id"])


def build_inbound(client: TestClient, tenant: Tenant) -> int:
    raw = (
        f"From: Ann <{unique('ann')}@example.org>\r\nTo: support@example.com\r\n"
        f"Subject: isolation\r\nMessage-ID: <{unique('m')}@example.org>\r\n\r\nHello\r\n"
    ).encode()
    response = client.post(
        "/api/v1/mail/inbound",
        content=raw,
        headers={**tenant.admin, "Content-Type": "message/rfc822"},
    )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def build_subscription(client: TestClient, tenant: Tenant) -> int:
    body = {
        "account_id": build_account(client, tenant),
        "plan": "pro",
        "currency": "EUR",
        "mrr_cents": 5_000,
        "started_on": "2026-01-01",
    }
    return int(_post(client, tenant, "/subscriptions", body)["id"])


SCORECARD_DEFINITION = {
    "components": [
        {
            "metric": "csat",
            "weight": 100,
            "points": [{"value": 50, "score": 0}, {"value": 95, "score": 100}],
        }
    ]
}


def build_scorecard(client: TestClient, tenant: Tenant) -> int:
    body = {"name": unique("card "), "definition": SCORECARD_DEFINITION}
    return int(_post(client, tenant, "/health/scorecards", body)["id"])


def build_erasure(client: TestClient, tenant: Tenant) -> int:
    contact = build_contact(client, tenant)
    return int(_post_ok(client, tenant, f"/contacts/{contact}/erase", {"confirm": contact})["id"])


def build_decision(client: TestClient, tenant: Tenant) -> int:
    account = build_account(client, tenant)
    with tenant.session() as session:
        row = NextActionDecision(
            customer_key=f"account:{account}",
            account_id=account,
            action_key="start_renewal:1",
            kind="start_renewal",
            fingerprint="renewal_on=2026-12-01",
            status="taken",
        )
        session.add(row)
        session.flush()
        return int(row.id)


def _post_ok(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return response.json()


def build_task(client: TestClient, tenant: Tenant) -> int:
    body = {"account_id": build_account(client, tenant), "title": "Call them"}
    return int(_post(client, tenant, "/tasks", body)["id"])


PLAYBOOK_BODY: dict[str, Any] = {
    "name": "p",
    "trigger": {"type": "renewal_due", "days": 30},
    "actions": [{"type": "create_task", "title": "Renewal of {{ account.name }}"}],
}


def build_playbook(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/playbooks", {**PLAYBOOK_BODY, "name": unique("pb ")})["id"])


def build_survey(client: TestClient, tenant: Tenant) -> int:
    body = {"name": unique("survey "), "kind": "nps", "status": "active"}
    return int(_post(client, tenant, "/surveys", body)["id"])


def build_survey_response(client: TestClient, tenant: Tenant) -> int:
    survey = build_survey(client, tenant)
    body = {"contact_id": build_contact(client, tenant), "answers": {"nps": 3}}
    return int(_post(client, tenant, f"/surveys/{survey}/responses", body)["id"])


def build_write_key(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/tracking/write-keys", {"name": unique("key ")})["id"])


def build_collection(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/knowledge/collections", {"name": unique("kb ")})["id"])


def build_article(client: TestClient, tenant: Tenant) -> int:
    body = {
        "collection_id": build_collection(client, tenant),
        "title": "Secret article",
        "body_html": "<p>only for B</p>",
        "publish": True,
    }
    return int(_post(client, tenant, "/knowledge/articles", body)["id"])


def build_article_file(client: TestClient, tenant: Tenant) -> int:
    article = build_article(client, tenant)
    response = client.post(
        f"/api/v1/knowledge/articles/{article}/files",
        files={"file": ("a.png", b"\x89PNG secret", "image/png")},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def build_journey(client: TestClient, tenant: Tenant) -> int:
    return int(_post(client, tenant, "/journeys", {"name": unique("Journey ")})["id"])


def build_touchpoint(client: TestClient, tenant: Tenant) -> int:
    body = {
        "contact_id": build_contact(client, tenant),
        "channel": "phone",
        "kind": "call",
        "occurred_at": "2026-05-01T10:00:00Z",
        "score": 9,
        "text": "secret notes of B",
    }
    return int(_post(client, tenant, "/touchpoints", body)["id"])


def build_topic(client: TestClient, tenant: Tenant) -> int:
    """A topic as a discovery stores it (discovery itself needs dozens of texts)."""
    with tenant.session() as session:
        topic = Topic(label="secret topic", keywords=["secret"], signature={"i": [], "w": []})
        session.add(topic)
        session.flush()
        return int(topic.id)


# Path parameters that name no object (a language code): a fixed value, nothing to snapshot.
FIXED_PARAMS: dict[str, str] = {"language": "en"}

# One builder per path parameter name: a new route with a new parameter fails below until its
# object can be built here, so no route escapes the isolation check.
BUILDERS: dict[str, tuple[Builder, type[Any]]] = {
    "account_id": (build_account, Account),
    "contact_id": (build_contact, Contact),
    "interaction_id": (build_interaction, Interaction),
    "user_id": (build_user, User),
    "team_id": (build_team, Team),
    "token_id": (build_token, ApiToken),
    "ticket_id": (build_ticket, Ticket),
    "attachment_id": (build_attachment, TicketAttachment),
    "calendar_id": (build_calendar, BusinessCalendarRecord),
    "policy_id": (build_policy, SlaPolicy),
    "view_id": (build_view, SavedView),
    "trigger_id": (build_trigger, TriggerRecord),
    "automation_id": (build_automation, AutomationRecord),
    "macro_id": (build_macro, MacroRecord),
    "message_id": (build_message, TicketMessage),
    "mailbox_id": (build_mailbox, Mailbox),
    "inbound_id": (build_inbound, InboundEmail),
    "channel_id": (build_channel, ChannelSource),
    "subscription_id": (build_subscription, Subscription),
    "write_key_id": (build_write_key, TrackingWriteKey),
    "scorecard_id": (build_scorecard, HealthScorecard),
    "erasure_id": (build_erasure, ErasureRecord),
    "task_id": (build_task, CsmTask),
    "playbook_id": (build_playbook, Playbook),
    "collection_id": (build_collection, KnowledgeCollection),
    "article_id": (build_article, KnowledgeArticle),
    "file_id": (build_article_file, ArticleFile),
    "survey_id": (build_survey, Survey),
    "response_id": (build_survey_response, SurveyResponse),
    "decision_id": (build_decision, NextActionDecision),
    "journey_id": (build_journey, Journey),
    "touchpoint_id": (build_touchpoint, Touchpoint),
    "topic_id": (build_topic, Topic),
}

# Bodies that would change B's object if the route let A through; other routes send `{}`.
WRITE_BODIES: dict[str, dict[str, Any]] = {
    "PUT /api/v1/surveys/{survey_id}": {"name": "hijacked", "kind": "nps", "status": "active"},
    "POST /api/v1/surveys/{survey_id}/responses": {"answers": {"nps": 0}},
    "POST /api/v1/surveys/{survey_id}/send": {"contact_ids": [1], "channel": "link"},
    "PATCH /api/v1/accounts/{account_id}": {"name": "hijacked", "tier": "free"},
    "POST /api/v1/next-actions/decisions/{decision_id}/outcome": {"outcome": "churned"},
    "PATCH /api/v1/contacts/{contact_id}": {"first_name": "hijacked", "emails": ["h@evil.io"]},
    "PATCH /api/v1/interactions/{interaction_id}": {"summary": "hijacked"},
    "PATCH /api/v1/users/{user_id}": {"role": "admin", "name": "hijacked"},
    "PATCH /api/v1/teams/{team_id}": {"name": "hijacked"},
    "PATCH /api/v1/tickets/{ticket_id}": {"subject": "hijacked", "status": "solved"},
    "POST /api/v1/tickets/{ticket_id}/messages": {"body": "hijacked"},
    "POST /api/v1/tickets/{ticket_id}/merge": {"source_ids": [1]},
    "POST /api/v1/tickets/{ticket_id}/csat": {"score": 1},
    "PUT /api/v1/contacts/{contact_id}/portal-access": {"role": "account_admin"},
    "PUT /api/v1/business-calendars/{calendar_id}": {
        "name": "hijacked",
        "time_zone": "UTC",
        "weekly_hours": {"tue": [["09:00", "10:00"]]},
    },
    "PUT /api/v1/sla-policies/{policy_id}": {"name": "hijacked", "targets": {"resolution": 1}},
    "PATCH /api/v1/views/{view_id}": {"name": "hijacked", "conditions": {"assignee": "me"}},
    "PUT /api/v1/teams/{team_id}/assignment": {"mode": "round_robin"},
    "PUT /api/v1/agents/{user_id}/profile": {"max_open_tickets": 0, "available": False},
    "PUT /api/v1/triggers/{trigger_id}": {**TRIGGER_BODY, "name": "hijacked"},
    "PUT /api/v1/automations/{automation_id}": {**AUTOMATION_BODY, "name": "hijacked"},
    "PUT /api/v1/macros/{macro_id}": {**MACRO_BODY, "name": "hijacked"},
    "PATCH /api/v1/channels/{channel_id}": {"name": "hijacked", "active": False},
    "PATCH /api/v1/subscriptions/{subscription_id}": {"mrr_cents": 1, "plan": "hijacked"},
    "POST /api/v1/subscriptions/{subscription_id}/cancel": {"ended_on": "2026-02-01"},
    "PATCH /api/v1/tasks/{task_id}": {"title": "hijacked", "status": "done"},
    "PATCH /api/v1/knowledge/collections/{collection_id}": {"name": "hijacked"},
    "PATCH /api/v1/knowledge/articles/{article_id}": {"audience": "public"},
    "PUT /api/v1/knowledge/articles/{article_id}/translations/{language}": {
        "title": "hijacked",
        "publish": True,
    },
    "POST /api/v1/knowledge/tickets/{ticket_id}/uses": {"article_id": 1},
    "PUT /api/v1/playbooks/{playbook_id}": {**PLAYBOOK_BODY, "name": "hijacked"},
    "PUT /api/v1/journeys/{journey_id}": {"name": "hijacked"},
    "PATCH /api/v1/topics/{topic_id}": {"name": "hijacked", "status": "ignored"},
    "POST /api/v1/topics/{topic_id}/merge": {"into_topic_id": 1},
    "POST /api/v1/topics/{topic_id}/split": {"k": 2},
    "PUT /api/v1/health/scorecards/{scorecard_id}": {
        "name": "hijacked",
        "definition": SCORECARD_DEFINITION,
    },
}


def _snapshot(tenant: Tenant, model: type[Any], object_id: int) -> dict[str, Any]:
    with tenant.session() as session:
        row = session.get(model, object_id)
        assert row is not None, f"{model.__name__} {object_id} vanished from workspace B"
        return {attr.key: getattr(row, attr.key) for attr in inspect(model).column_attrs}


def _routes_with_path_params(app: FastAPI) -> list[ServedRoute]:
    """Token-authenticated routes with a path parameter. Public routes (PUBLIC_ROUTES) ignore
    the caller's token: their workspace comes from the path object itself (a channel's
    signature, a workspace's public form), checked by `test_public_routes_ignore_tokens`."""
    return [
        route
        for route in served_routes(app)
        if route.path_params and str(route) not in PUBLIC_ROUTES
    ]


def test_every_path_parameter_has_a_builder(app: FastAPI) -> None:
    params = {p for route in _routes_with_path_params(app) for p in route.path_params}
    assert params, "no route with a path parameter found: the route walk is broken"
    known = set(BUILDERS) | set(FIXED_PARAMS)
    assert params <= known, f"add builders for {sorted(params - known)}"


def test_other_workspace_objects_are_not_found_on_every_route(
    app: FastAPI, client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    routes = _routes_with_path_params(app)
    assert len(routes) >= 15
    failures = []
    for route in routes:
        ids: dict[str, int] = {}
        for param in route.path_params:
            if param not in FIXED_PARAMS:
                ids[param] = BUILDERS[param][0](client, other_tenant)
        before = {p: _snapshot(other_tenant, BUILDERS[p][1], i) for p, i in ids.items()}
        body = WRITE_BODIES.get(str(route), {})
        if str(route) == "POST /api/v1/contacts/{contact_id}/merge":
            body = {"loser_id": build_contact(client, tenant)}
        if str(route) == "POST /api/v1/contacts/{contact_id}/erase":
            body = {"confirm": ids["contact_id"]}
        url = route.path.format(**ids, **FIXED_PARAMS)
        response = client.request(route.method, url, json=body, headers=tenant.admin)
        if response.status_code != 404:
            failures.append(f"{route}: {response.status_code} {response.text[:200]}")
            continue
        assert_problem(response, 404, "not-found")
        after = {p: _snapshot(other_tenant, BUILDERS[p][1], i) for p, i in ids.items()}
        if after != before:
            failures.append(f"{route}: answered 404 but changed workspace B's object")
    assert failures == []


def test_public_routes_ignore_tokens(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    """A's token opens nothing of B's on the signature-authenticated inbound route."""
    assert "POST /api/v1/channels/{channel_id}/inbound" in PUBLIC_ROUTES
    foreign = build_channel(client, other_tenant)
    before = _snapshot(other_tenant, ChannelSource, foreign)
    body = {"thread_id": "t", "message_id": "m", "author": {"email": "x@example.com"}, "text": "hi"}
    response = client.post(f"/api/v1/channels/{foreign}/inbound", json=body, headers=tenant.admin)
    assert_problem(response, 401, "unauthenticated")
    assert _snapshot(other_tenant, ChannelSource, foreign) == before
    with other_tenant.session() as session:
        assert session.scalars(select(Ticket.id)).all() == []


def test_merge_cannot_pull_a_contact_out_of_another_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    winner = build_contact(client, tenant)
    foreign = build_contact(client, other_tenant)
    before = _snapshot(other_tenant, Contact, foreign)
    response = client.post(
        f"/api/v1/contacts/{winner}/merge", json={"loser_id": foreign}, headers=tenant.admin
    )
    assert_problem(response, 404, "not-found")
    assert _snapshot(other_tenant, Contact, foreign) == before


def test_references_in_bodies_cannot_point_into_another_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign_contact = build_contact(client, other_tenant)
    foreign_account = build_account(client, other_tenant)
    foreign_user = build_user(client, other_tenant)
    touchpoint = {"kind": "call", "channel": "phone", "occurred_at": "2026-03-01T10:00:00Z"}
    response = client.post(
        "/api/v1/interactions",
        json={**touchpoint, "contact_id": foreign_contact},
        headers=tenant.admin,
    )
    assert_problem(response, 404, "not-found")
    response = client.post(
        "/api/v1/interactions",
        json={**touchpoint, "account_id": foreign_account},
        headers=tenant.admin,
    )
    assert_problem(response, 404, "not-found")
    response = client.post(
        "/api/v1/contacts",
        json={"first_name": "X", "account_id": foreign_account},
        headers=tenant.admin,
    )
    assert_problem(response, 404, "not-found")
    response = client.post(
        "/api/v1/accounts", json={"name": "X", "owner_id": foreign_user}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    response = client.post(
        "/api/v1/teams",
        json={"name": unique("t"), "member_ids": [foreign_user]},
        headers=tenant.admin,
    )
    assert_problem(response, 422, "validation-error")


def test_identifiers_and_external_ids_are_unique_per_workspace_only(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = f"{unique('same')}@example.org"
    a = _post(client, tenant, "/contacts", {"emails": [email]})
    b = _post(client, other_tenant, "/contacts", {"emails": [email]})
    assert a["id"] != b["id"]
    found = client.post("/api/v1/contacts/identify", json={"emails": [email]}, headers=tenant.admin)
    assert found.status_code == 200
    assert found.json()["contact"]["id"] == a["id"]
    touchpoint = {
        "kind": "email.received",
        "channel": "email",
        "occurred_at": "2026-03-01T10:00:00Z",
        "external_id": "msg-1",
    }
    first = _post(client, tenant, "/interactions", {**touchpoint, "contact_id": a["id"]})
    second = _post(client, other_tenant, "/interactions", {**touchpoint, "contact_id": b["id"]})
    assert first["id"] != second["id"]
    domain = f"{unique('d')}.example.com"
    _post(client, tenant, "/accounts", {"name": "A", "domains": [domain]})
    _post(client, other_tenant, "/accounts", {"name": "B", "domains": [domain]})


# Which rows each list shows; a new list route fails until it is named here.
LISTED_MODELS: dict[str, type[Any] | None] = {
    "/api/v1/accounts": Account,
    "/api/v1/contacts": Contact,
    "/api/v1/interactions": Interaction,
    "/api/v1/users": User,
    "/api/v1/teams": Team,
    "/api/v1/me/tokens": ApiToken,
    "/api/v1/audit": AuditEntry,
    "/api/v1/privacy/erasures": ErasureRecord,
    "/api/v1/privacy/retention": None,
    "/api/v1/me": None,  # one object, the caller
    "/api/v1/jobs/failed": None,  # Redis records, filtered by workspace: tests/core/redis
    "/api/v1/tickets": Ticket,
    "/api/v1/metrics/service": None,  # aggregates; isolation in tests/analytics
    "/api/v1/knowledge/collections": KnowledgeCollection,
    "/api/v1/knowledge/articles": KnowledgeArticle,
    "/api/v1/journeys": Journey,
    "/api/v1/touchpoints": Touchpoint,
    "/api/v1/knowledge/search": None,  # no query, no hits; isolation in tests/knowledge
    "/api/v1/metrics/knowledge": None,  # aggregates; isolation in tests/knowledge
    "/api/v1/business-calendars": BusinessCalendarRecord,
    "/api/v1/sla-policies": SlaPolicy,
    "/api/v1/views": SavedView,  # ids are strings; built-in views belong to no workspace
    "/api/v1/triggers": TriggerRecord,
    "/api/v1/automations": AutomationRecord,
    "/api/v1/macros": MacroRecord,
    "/api/v1/me/notifications": None,  # the caller's own rows (user_id filter)
    "/api/v1/mailboxes": Mailbox,
    "/api/v1/mail/inbound": InboundEmail,
    "/api/v1/channels": ChannelSource,
    "/api/v1/subscriptions": Subscription,
    "/api/v1/metrics/revenue": None,  # aggregates; isolation in tests/analytics
    "/api/v1/metrics/revenue/cohorts": None,
    "/api/v1/metrics/renewals": None,
    "/api/v1/tracking/write-keys": TrackingWriteKey,
    "/api/v1/health/scorecards": HealthScorecard,
    "/api/v1/health/backtest": None,  # aggregates of the caller's stored scores
    "/api/v1/metrics/usage": None,
    "/api/v1/topics": Topic,
    # reports over topics; isolation in tests/experience/topics/test_api.py
    "/api/v1/topics/recurring-issues": None,
    "/api/v1/topics/recurring-issues.csv": None,
    "/api/v1/topics/trending": None,
    "/api/v1/topics/negative": None,
    "/api/v1/text/sentiment": None,  # an aggregate; isolation in tests/experience/text/test_api.py
    "/api/v1/text/settings": None,  # one object, the workspace's mode  # aggregates; isolation in tests/analytics/test_adoption.py
    "/api/v1/metrics/success": None,  # aggregates; isolation in tests/analytics/test_success_api.py
    "/api/v1/expansion": None,  # computed; isolation in tests/success/test_expansion_api.py
    "/api/v1/expansion/catalogue": None,  # one object, the caller's workspace's
    "/api/v1/tasks": CsmTask,
    "/api/v1/playbooks": Playbook,
    # rows written by playbook runs only; isolation in tests/success/playbooks/test_runs.py
    "/api/v1/playbook-runs": None,
    "/api/v1/survey-enrolments": None,
    # one object, the caller's workspace's; isolation in tests/service/portal
    "/api/v1/portal/settings": None,
    "/api/v1/surveys": Survey,
    "/api/v1/survey-settings": None,  # one object, the caller's workspace's
    # aggregates; isolation in tests/analytics/test_survey_kpis.py
    "/api/v1/metrics/surveys": None,
    # aggregates and computed actions; isolation in tests/experience/connected and nextaction
    "/api/v1/metrics/experience": None,
    "/api/v1/next-actions": None,
    "/api/v1/next-actions/decisions": NextActionDecision,
}


def _ids(session: Session, model: type[Any]) -> set[int]:
    return set(session.scalars(select(model.id)))


def test_lists_never_show_another_workspace(
    app: FastAPI, client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for workspace in (tenant, other_tenant):
        for builder, _model in BUILDERS.values():
            builder(client, workspace)
    lists = [r for r in served_routes(app) if r.method == "GET" and not r.path_params]
    unnamed = sorted({r.path for r in lists} - set(LISTED_MODELS))
    assert unnamed == [], f"name the model each of these lists shows in LISTED_MODELS: {unnamed}"
    for route in lists:
        model = LISTED_MODELS[route.path]
        response = client.get(route.path, params={"limit": 500}, headers=tenant.admin)
        assert response.status_code == 200, f"{route}: {response.text}"
        if model is None:
            continue
        body = response.json()
        items = body if isinstance(body, list) else body["items"]
        shown = {int(item["id"]) for item in items if not item.get("builtin")}
        with other_tenant.session() as session:
            foreign = _ids(session, model)
        with tenant.session() as session:
            own = _ids(session, model)
        assert foreign, f"{route}: workspace B has no {model.__name__} rows to leak"
        assert shown, f"{route}: workspace A sees nothing, so the check proves nothing"
        assert not shown & foreign, f"{route} shows workspace B's rows"
        assert shown <= own


def test_me_is_the_caller(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/v1/me", headers=tenant.admin)
    assert response.status_code == 200
    assert response.json()["id"] == tenant.user_ids[Role.ADMIN]


# --- below the API: the session itself -------------------------------------------------------


@pytest.fixture
def foreign_contact(client: TestClient, other_tenant: Tenant) -> int:
    return build_contact(client, other_tenant)


def test_scoped_session_cannot_read_another_workspace(
    runtime: Runtime, client: TestClient, tenant: Tenant, foreign_contact: int
) -> None:
    own = build_contact(client, tenant)
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        assert set(session.scalars(select(Contact.id))) == {own}
        assert session.scalar(select(Contact).where(Contact.id == foreign_contact)) is None
        assert session.get(Contact, foreign_contact) is None
        # joins and relationship loads are filtered too
        joined = session.scalars(
            select(ContactIdentifier.id).join(Contact).where(Contact.id == foreign_contact)
        )
        assert list(joined) == []


def test_scoped_session_cannot_change_another_workspace(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant, foreign_contact: int
) -> None:
    before = _snapshot(other_tenant, Contact, foreign_contact)
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        updated = session.execute(
            update(Contact).where(Contact.id == foreign_contact).values(first_name="hijacked")
        )
        deleted = session.execute(delete(Contact).where(Contact.id == foreign_contact))
        assert updated.rowcount == 0  # type: ignore[attr-defined]
        assert deleted.rowcount == 0  # type: ignore[attr-defined]
    assert _snapshot(other_tenant, Contact, foreign_contact) == before


def _add_and_flush(runtime: Runtime, workspace_id: int | None, row: Any) -> None:
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        session.add(row)
        session.flush()


def test_scoped_session_cannot_write_rows_into_another_workspace(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    smuggled_row = Contact(workspace_id=other_tenant.workspace_id, first_name="Smuggled")
    with pytest.raises(WorkspaceNotSet, match="session serves"):
        _add_and_flush(runtime, tenant.workspace_id, smuggled_row)
    with other_tenant.session() as session:
        smuggled = session.scalars(select(Contact).where(Contact.first_name == "Smuggled"))
        assert list(smuggled) == []


def test_new_rows_are_stamped_with_the_session_workspace(runtime: Runtime, tenant: Tenant) -> None:
    with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
        contact = Contact(first_name="Stamped")
        session.add(contact)
        session.flush()
        assert contact.workspace_id == tenant.workspace_id


def test_unscoped_session_sees_no_tenant_rows_and_cannot_write(
    runtime: Runtime, tenant: Tenant, foreign_contact: int
) -> None:
    with unit_of_work(runtime.session_factory, None) as session:
        assert session.scalar(select(Contact).where(Contact.id == foreign_contact)) is None
        assert list(session.scalars(select(User.id))) == []
    with pytest.raises(WorkspaceNotSet, match="cannot infer workspace"):
        _add_and_flush(runtime, None, Contact(first_name="Nowhere"))
