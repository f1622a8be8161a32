"""The demo's helpdesk: configuration, tickets whose state fits their history, SLA clocks that
agree with the SLA service, CSAT, timeline entries, search, and idempotent seeding. Seeded once
per module with a small ticket volume (the full demo has thousands)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.customers.timeline.models import Interaction
from cxhub.demo.dataset import build_dataset
from cxhub.demo.helpdesk import italian_holidays
from cxhub.demo.seed import DemoCredentials, seed_demo
from cxhub.demo.writer import _document
from cxhub.people import service as people
from cxhub.service.assignment.models import AgentProfile, AssignmentMode, TeamAssignmentSettings
from cxhub.service.automations.models import AutomationRecord, MacroRecord, TriggerRecord
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.calendars import calendar_of
from cxhub.service.sla.clock import SlaClock, SlaPause
from cxhub.service.sla.models import BusinessCalendarRecord, SlaEvent, SlaPolicy, TicketSlaTarget
from cxhub.service.sla.service import policy_for
from cxhub.service.tickets.models import Ticket, TicketMessage, TicketStatus
from cxhub.service.tickets.search_text import index_document
from cxhub.service.views.models import SavedView

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
REFERENCE = datetime(2026, 6, 1, tzinfo=UTC)
TICKETS = 300


@pytest.fixture(scope="module")
def demo(runtime: Runtime) -> DemoCredentials:
    return seed_demo(runtime, slug=f"desk-{uuid.uuid4().hex[:8]}", now=NOW, tickets=TICKETS)


def _session(runtime: Runtime, credentials: DemoCredentials) -> Any:
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        workspace_id = people.get_workspace_by_slug(session, credentials.workspace_slug).id
    return unit_of_work(runtime.session_factory, workspace_id)


def _headers(demo: DemoCredentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token}"}


def test_italian_holidays_include_easter_monday_and_the_republic() -> None:
    days = italian_holidays(2026)
    assert date(2026, 4, 6) in days  # Pasquetta 2026
    assert {date(2026, 6, 2), date(2026, 12, 25), date(2026, 10, 4)} <= set(days)
    assert date(2025, 4, 21) in italian_holidays(2025)
    assert date(2025, 10, 4) not in italian_holidays(2025)


def test_search_documents_match_the_services_analysis() -> None:
    dataset = build_dataset(seed=3, now=REFERENCE, accounts=40, consumers=30, tickets=150)
    for ticket in dataset.tickets:
        texts = [ticket.subject, *(m.body for m in ticket.messages)]
        assert _document(texts) == index_document(texts)


def test_the_helpdesk_is_configured(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        calendar = session.scalars(select(BusinessCalendarRecord)).one()
        policies = session.scalars(select(SlaPolicy).order_by(SlaPolicy.position)).all()
        views = session.scalars(select(SavedView).where(SavedView.owner_id.is_(None))).all()
        triggers = session.scalars(select(TriggerRecord)).all()
        automations = session.scalars(select(AutomationRecord)).all()
        macros = session.scalars(select(MacroRecord)).all()
        modes = set(session.scalars(select(TeamAssignmentSettings.mode)))
        languages = {lang for p in session.scalars(select(AgentProfile)) for lang in p.languages}
    assert calendar.time_zone == "Europe/Rome"
    assert set(calendar.weekly_hours) == {"mon", "tue", "wed", "thu", "fri"}
    assert {"2026-06-02", "2026-12-25", "2026-04-06"} <= set(calendar.holidays)
    assert [p.targets["first_reply"] for p in policies] == [60, 60, 480]
    assert all(p.calendar_id == calendar.id for p in policies)
    assert policies[-1].conditions == {
        "priorities": [],
        "account_tiers": [],
        "channels": [],
        "ticket_types": [],
        "tags_any": [],
    }
    assert len(views) >= 4
    assert len(triggers) == 2
    assert len(automations) == 1
    assert len(macros) == 3
    assert {AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED, AssignmentMode.MANUAL} <= modes
    assert {"en", "it", "zh", "id"} <= languages


def test_tickets_cover_languages_statuses_and_channels(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    with _session(runtime, demo) as session:
        tickets = session.scalars(select(Ticket)).all()
        first, last = session.execute(
            select(func.min(Ticket.created_at), func.max(Ticket.created_at))
        ).one()
        counter = session.scalars(select(Ticket.number).order_by(Ticket.number.desc())).first()
    assert len(tickets) == demo.counts.tickets >= TICKETS
    assert counter == len(tickets)
    assert {str(t.language).split("-")[0] for t in tickets} >= {"en", "it", "zh", "id"}
    assert {t.status for t in tickets} == set(TicketStatus)
    assert {t.channel.value for t in tickets} >= {"email", "web", "chat", "phone", "api"}
    assert {t.priority.value for t in tickets} == {"low", "normal", "high", "urgent"}
    assert any(t.merged_into_id is not None for t in tickets)
    assert any(t.reopen_count > 0 for t in tickets)
    assert REFERENCE - timedelta(days=121) <= first
    assert last <= REFERENCE


def test_statuses_fit_the_timestamps(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        tickets = session.scalars(select(Ticket)).all()
        replied = dict(
            session.execute(
                select(TicketMessage.ticket_id, func.count())
                .where(TicketMessage.author_kind == "agent", TicketMessage.is_public.is_(True))
                .group_by(TicketMessage.ticket_id)
            ).all()
        )
    for ticket in tickets:
        if ticket.status == TicketStatus.SOLVED:
            assert ticket.solved_at is not None
            assert ticket.closed_at is None
            assert REFERENCE - ticket.solved_at < timedelta(hours=97)
        elif ticket.status == TicketStatus.CLOSED and ticket.merged_into_id is None:
            assert ticket.solved_at is not None
            assert ticket.closed_at is not None
            assert ticket.closed_at - ticket.solved_at >= timedelta(hours=96)
        elif ticket.merged_into_id is None:
            assert ticket.solved_at is None
            assert ticket.closed_at is None
        if ticket.status == TicketStatus.NEW:
            assert ticket.first_replied_at is None
            assert ticket.assignee_id is None
        if ticket.merged_into_id is None and ticket.first_replied_at is not None:
            assert replied[ticket.id] == ticket.agent_reply_count
            assert ticket.first_replied_at >= ticket.created_at
        assert ticket.updated_at >= ticket.created_at


def test_csat_only_on_solved_tickets_and_mostly_happy(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    with _session(runtime, demo) as session:
        rows = session.execute(
            select(CsatSurvey, Ticket.status, Ticket.solved_at).join(
                Ticket, Ticket.id == CsatSurvey.ticket_id
            )
        ).all()
    assert rows
    scores = Counter(survey.score for survey, _, _ in rows if survey.score is not None)
    for survey, status, solved_at in rows:
        assert status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
        assert solved_at is not None
        assert survey.requested_at >= solved_at
        if survey.score is not None:
            assert survey.rated_at is not None
            assert survey.rated_at <= REFERENCE
            if survey.score <= 2:
                assert survey.comment
    assert scores[4] + scores[5] > 2 * (scores[1] + scores[2]) > 0


def test_sla_targets_agree_with_the_sla_service(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        calendar = calendar_of(session.scalars(select(BusinessCalendarRecord)).one())
        targets = session.scalars(select(TicketSlaTarget)).all()
        events = Counter(
            (target_id, kind)
            for target_id, kind in session.execute(select(SlaEvent.target_id, SlaEvent.kind))
        )
        tickets = session.scalars(select(Ticket).where(Ticket.merged_into_id.is_(None))).all()
        for ticket in tickets:  # the service's own policy choice
            policy = policy_for(session, ticket)
            assert policy is not None
            assert policy.id == ticket.sla_policy_id
    by_state = Counter(
        "breached" if t.breached_at else "fulfilled" if t.fulfilled_at else "other" for t in targets
    )
    assert by_state["breached"] >= 1
    assert by_state["fulfilled"] > 5 * by_state["breached"]
    for target in targets:
        pauses = [
            SlaPause(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in target.pauses
        ]
        if target.paused_at is not None:
            pauses.append(SlaPause(target.paused_at))
        clock = SlaClock(
            calendar=calendar,
            target=timedelta(minutes=target.target_minutes),
            started_at=target.started_at,
            pauses=pauses,
            fulfilled_at=target.fulfilled_at,
        )
        assert events[(target.id, "activated")] == 1
        if target.cancelled:
            assert events[(target.id, "cancelled")] == 1
            continue
        assert target.due_at == clock.due_at()
        if target.fulfilled_at is not None:
            assert target.closed
            assert events[(target.id, "fulfilled")] == 1
            assert target.breached_at == clock.breached_at()
        elif target.due_at is not None and target.paused_at is None:
            assert (target.breached_at is not None) == (target.due_at <= REFERENCE)
        assert events[(target.id, "breached")] == (1 if target.breached_at else 0)
    breached_tickets = {t.ticket_id for t in targets if t.breached_at is not None}
    assert all(t.sla_breached == (t.id in breached_tickets) for t in tickets)


def test_tickets_are_on_their_customers_timelines(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        requesters = {
            str(ticket_id): requester_id
            for ticket_id, requester_id in session.execute(select(Ticket.id, Ticket.requester_id))
        }
        entries = [
            (entry, requesters[entry.source_id or ""])
            for entry in session.scalars(
                select(Interaction).where(Interaction.source_type == "ticket")
            )
        ]
        messages = session.scalar(select(func.count()).select_from(TicketMessage))
        statuses = session.scalar(
            select(func.count())
            .select_from(Interaction)
            .where(Interaction.kind == "ticket.status_changed")
        )
    kinds = Counter(entry.kind for entry, _ in entries)
    assert kinds["ticket.created"] == demo.counts.tickets
    assert {"ticket.customer_message", "ticket.agent_message", "ticket.note"} <= set(kinds)
    assert {"ticket.system_message", "ticket.status_changed", "csat.rated"} <= set(kinds)
    message_kinds = ("ticket.customer_message", "ticket.agent_message", "ticket.note")
    assert sum(kinds[k] for k in (*message_kinds, "ticket.system_message")) == messages
    assert statuses == kinds["ticket.status_changed"]
    for entry, requester_id in entries:
        assert entry.source_type == "ticket"
        assert entry.contact_id == requester_id
        assert entry.occurred_at <= REFERENCE
        assert isinstance(entry.payload["ticket_number"], int)


def test_the_api_shows_tickets_sla_csat_and_search(
    client: TestClient, runtime: Runtime, demo: DemoCredentials
) -> None:
    with _session(runtime, demo) as session:
        breached = session.scalars(
            select(Ticket.id).where(Ticket.sla_breached.is_(True)).limit(1)
        ).one()
        rated = session.scalars(
            select(CsatSurvey.ticket_id).where(CsatSurvey.score.is_not(None)).limit(1)
        ).one()
    headers = _headers(demo)
    sla = client.get(f"/api/v1/tickets/{breached}/sla", headers=headers)
    assert sla.status_code == 200, sla.text
    assert any(t["state"] == "breached" for t in sla.json()["targets"])
    csat = client.get(f"/api/v1/tickets/{rated}/csat", headers=headers)
    assert csat.status_code == 200, csat.text
    assert 1 <= csat.json()["score"] <= 5
    found = client.get("/api/v1/tickets", params={"q": "password"}, headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()["items"]
    views = client.get("/api/v1/views", headers=headers)
    assert views.status_code == 200
    assert "Outages" in {view["name"] for view in views.json()}


def test_seeding_again_duplicates_nothing(runtime: Runtime, demo: DemoCredentials) -> None:
    def census() -> dict[str, int]:
        with _session(runtime, demo) as session:
            return {
                model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (
                    Ticket,
                    TicketMessage,
                    TicketSlaTarget,
                    SlaEvent,
                    CsatSurvey,
                    SlaPolicy,
                    BusinessCalendarRecord,
                    SavedView,
                    TriggerRecord,
                    AutomationRecord,
                    MacroRecord,
                    AgentProfile,
                    Interaction,
                )
            }

    before = census()
    again = seed_demo(runtime, slug=demo.workspace_slug, now=NOW, tickets=TICKETS)
    assert again.created is False
    assert again.counts == demo.counts
    assert census() == before
