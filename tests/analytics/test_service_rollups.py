"""Daily service KPI rollups (ADR 0019): the rollup-backed answer equals the live one on
generated data, for random periods and every grouping, before and after changes that have not
been rolled up yet; changes mark their days in their own transaction; the job and the CLI
build what is missing."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cxhub.analytics.formulas import duration_summary
from cxhub.analytics.service_kpis import GroupBy, service_kpis
from cxhub.analytics.service_rollups.build import (
    JOB_MAX_DAYS,
    compute_days,
    days_to_build,
    midnight,
    refresh_rollups,
    write_days,
)
from cxhub.analytics.service_rollups.models import (
    ServiceKpiDirtyDay,
    ServiceKpiRollup,
    ServiceKpiRollupDay,
)
from cxhub.analytics.service_rollups.read import plan_period
from cxhub.analytics.service_rollups.tally import KpiTally, pack_durations, unpack_durations
from cxhub.analytics.service_rollups.tasks import REFRESH_ROLLUPS
from cxhub.cli import app as cli_app
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.customers.contacts.models import Contact
from cxhub.customers.timeline.models import Channel
from cxhub.people.models import Team
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus
from tests.factories import Tenant, make_tenant

#: The generated data spans these days; "now" is two days after.
FIRST_DAY = datetime(2026, 3, 1, tzinfo=UTC)
SPAN_DAYS = 24
NOW = FIRST_DAY + timedelta(days=SPAN_DAYS + 2)
CHANNELS = [Channel.EMAIL, Channel.WEB, Channel.CHAT]
METRICS = ["first_reply", "next_reply", "resolution"]


def _moment(rng: random.Random) -> datetime:
    return FIRST_DAY + timedelta(
        seconds=rng.randrange(SPAN_DAYS * 86400), microseconds=rng.randrange(10**6)
    )


def _seed(session: Session, tenant: Tenant, rng: random.Random, tickets: int) -> list[int]:
    """Tickets with every KPI input drawn at random (some unreplied, unsolved, spam, merged,
    unassigned), SLA targets and CSAT surveys; returns the ticket ids."""
    workspace = tenant.workspace_id
    teams = [Team(name=f"team-{uuid.uuid4().hex[:6]}") for _ in range(3)]
    contact = Contact(first_name="Requester")
    session.add_all([*teams, contact])
    session.flush()
    agents = list(tenant.user_ids.values())[:3]
    rows: list[Ticket] = []
    for number in range(1, tickets + 1):
        created = _moment(rng)
        replied = (
            created + timedelta(seconds=rng.randrange(1, 3 * 86400)) if rng.random() < 0.8 else None
        )
        solved = (
            created + timedelta(seconds=rng.randrange(60, 6 * 86400))
            if rng.random() < 0.6
            else None
        )
        rows.append(
            Ticket(
                workspace_id=workspace,
                number=number,
                subject=f"ticket {number}",
                channel=rng.choice(CHANNELS),
                priority=rng.choice(list(TicketPriority)),
                status=TicketStatus.SOLVED if solved else TicketStatus.OPEN,
                requester_id=contact.id,
                team_id=rng.choice([None, *(t.id for t in teams)]),
                assignee_id=rng.choice([None, *agents]),
                is_spam=rng.random() < 0.05,
                created_at=created,
                first_replied_at=replied,
                first_reply_business_seconds=rng.choice([None, rng.randrange(0, 90000)]),
                solved_at=solved,
                resolution_business_seconds=rng.choice([None, rng.randrange(0, 400000)]),
                reopen_count=rng.choice([0, 0, 0, 1, 2]),
                agent_reply_count=rng.choice([0, 1, 1, 2, 3]),
            )
        )
    session.add_all(rows)
    session.flush()
    for ticket in rows:
        if rng.random() < 0.05:
            ticket.merged_into_id = rows[0].id if ticket is not rows[0] else None
        for _ in range(rng.randrange(0, 3)):
            started = ticket.created_at + timedelta(seconds=rng.randrange(0, 2 * 86400))
            outcome = rng.random()
            session.add(
                TicketSlaTarget(
                    ticket_id=ticket.id,
                    metric=rng.choice(METRICS),
                    target_minutes=60,
                    started_at=started,
                    fulfilled_at=started + timedelta(minutes=30) if outcome < 0.6 else None,
                    breached_at=started + timedelta(minutes=61) if 0.4 < outcome < 0.9 else None,
                    cancelled=rng.random() < 0.1,
                )
            )
        if ticket.solved_at is not None and rng.random() < 0.5:
            session.add(
                CsatSurvey(
                    ticket_id=ticket.id,
                    token_sha256=uuid.uuid4().hex + uuid.uuid4().hex,
                    score=rng.choice([None, 1, 2, 3, 4, 5, 5]),
                    rated_at=ticket.solved_at + timedelta(hours=rng.randrange(1, 60)),
                )
            )
    session.flush()
    return [t.id for t in rows]


def _both(
    session: Session, workspace_id: int, start: datetime, end: datetime, group_by: GroupBy
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def answer(rollups: bool) -> list[dict[str, Any]]:
        groups = service_kpis(
            session,
            workspace_id=workspace_id,
            start=start,
            end=end,
            group_by=group_by,
            rollups=rollups,
        )
        return [asdict(g) for g in groups]

    return answer(True), answer(False)


def _random_period(rng: random.Random) -> tuple[datetime, datetime]:
    if rng.random() < 0.3:  # whole days
        start = FIRST_DAY + timedelta(days=rng.randrange(-2, SPAN_DAYS))
        end = start + timedelta(days=rng.randrange(1, SPAN_DAYS))
    else:
        start = FIRST_DAY + timedelta(seconds=rng.randrange(-86400, SPAN_DAYS * 86400))
        end = start + timedelta(seconds=rng.randrange(3600, (SPAN_DAYS + 3) * 86400))
    return start, end


def _assert_parity(session: Session, workspace_id: int, rng: random.Random, periods: int) -> int:
    """Random periods x every grouping; returns how many rolled-up days the answers used."""
    used = 0
    for _ in range(periods):
        start, end = _random_period(rng)
        used += len(plan_period(session, workspace_id=workspace_id, start=start, end=end).rolled_up)
        for group_by in GroupBy:
            with_rollups, live = _both(session, workspace_id, start, end, group_by)
            assert with_rollups == live, (start, end, group_by)
    return used


@pytest.fixture(scope="module")
def seeded(runtime: Runtime) -> Tenant:
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        _seed(session, tenant, random.Random(16), tickets=260)
    with tenant.session() as session:
        refresh_rollups(session, workspace_id=tenant.workspace_id, now=NOW, max_days=None)
    return tenant


def test_tally_summary_equals_duration_summary_for_split_values() -> None:
    rng = random.Random(5)
    values = [rng.uniform(0, 1e6) for _ in range(501)] + [3.0, 3.0, 0.0]
    tally = KpiTally()
    cut = [0, 100, 230, 400, len(values)]
    for a, b in itertools.pairwise(cut):
        part = values[a:b]
        if a == 230:
            for value in part:  # live values one by one
                tally.add_duration("first_reply", value)
        else:
            tally.add_durations("first_reply", unpack_durations(pack_durations(part)))
    assert tally.summary("first_reply") == duration_summary(values)
    assert tally.summary("resolution") == {}
    assert unpack_durations(b"").size == 0
    # The mean adds in ascending order: 1 + 1 first, then 1e16 (1e16 + 1 alone rounds to 1e16).
    assert duration_summary([1e16, 1.0, 1.0])["mean"] == (2.0 + 1e16) / 3
    assert duration_summary([1e16, 1.0, 1.0])["mean"] != ((1e16 + 1.0) + 1.0) / 3
    assert list(unpack_durations(pack_durations([2.5, -1.0, 7.0]))) == [-1.0, 2.5, 7.0]


def test_rollups_are_built_for_every_finished_day(seeded: Tenant) -> None:
    with seeded.session() as session:
        built = set(
            session.scalars(
                select(ServiceKpiRollupDay.day).where(
                    ServiceKpiRollupDay.workspace_id == seeded.workspace_id
                )
            )
        )
        first = date(2026, 3, 1)
        assert {first + timedelta(days=n) for n in range(SPAN_DAYS + 2)} <= built
        assert NOW.date() not in built  # today is never built
        assert days_to_build(session, workspace_id=seeded.workspace_id, now=NOW) == []
        dimensions = set(
            session.scalars(
                select(ServiceKpiRollup.dimension)
                .where(ServiceKpiRollup.workspace_id == seeded.workspace_id)
                .distinct()
            )
        )
        assert dimensions == {"none", "channel", "priority", "team", "assignee"}


def test_rollup_answers_equal_live_answers_on_random_periods(seeded: Tenant) -> None:
    with seeded.session() as session:
        used = _assert_parity(session, seeded.workspace_id, random.Random(7), periods=12)
    assert used > 0  # the rollups were read, not bypassed


def test_a_whole_day_period_reads_only_rollups(seeded: Tenant) -> None:
    start = FIRST_DAY + timedelta(days=3)
    end = start + timedelta(days=10)
    with seeded.session() as session:
        plan = plan_period(session, workspace_id=seeded.workspace_id, start=start, end=end)
        assert plan.live == []
        assert len(plan.rolled_up) == 10
        # Tamper with one rolled-up day: only the rollup-backed answer moves.
        day = start.date() + timedelta(days=2)
        session.execute(
            update(ServiceKpiRollup)
            .where(
                ServiceKpiRollup.workspace_id == seeded.workspace_id,
                ServiceKpiRollup.dimension == "none",
                ServiceKpiRollup.day == day,
            )
            .values(created=ServiceKpiRollup.created + 1000)
        )
        with_rollups, live = _both(session, seeded.workspace_id, start, end, GroupBy.NONE)
        assert with_rollups[0]["created"] == live[0]["created"] + 1000
        session.rollback()


def test_edges_today_and_dirty_days_are_live(seeded: Tenant) -> None:
    start = FIRST_DAY + timedelta(days=3, hours=15, minutes=30)
    end = NOW + timedelta(hours=5)  # into "today", which is never rolled up
    with seeded.session() as session:
        plan = plan_period(session, workspace_id=seeded.workspace_id, start=start, end=end)
        first_whole = midnight(start.date() + timedelta(days=1))
        assert plan.live == [(start, first_whole), (midnight(NOW.date()), end)]
        assert plan.rolled_up[0] == first_whole.date()
        assert plan.rolled_up[-1] == NOW.date() - timedelta(days=1)
        dirty = first_whole.date() + timedelta(days=4)
        session.add(ServiceKpiDirtyDay(workspace_id=seeded.workspace_id, day=dirty))
        session.flush()
        plan = plan_period(session, workspace_id=seeded.workspace_id, start=start, end=end)
        assert (midnight(dirty), midnight(dirty + timedelta(days=1))) in plan.live
        assert dirty not in plan.rolled_up
        session.rollback()
    inside_one_day = (start, start + timedelta(hours=3))
    with seeded.session() as session:
        plan = plan_period(
            session,
            workspace_id=seeded.workspace_id,
            start=inside_one_day[0],
            end=inside_one_day[1],
        )
    assert plan.rolled_up == []
    assert plan.live == [inside_one_day]


def test_changes_not_yet_rolled_up_stay_exact(runtime: Runtime) -> None:
    tenant = make_tenant(runtime)
    rng = random.Random(23)
    with tenant.session() as session:
        ids = _seed(session, tenant, rng, tickets=150)
    with tenant.session() as session:
        refresh_rollups(session, workspace_id=tenant.workspace_id, now=NOW, max_days=None)

    with tenant.session() as session:
        tickets = list(
            session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id))
        )
        agents = list(tenant.user_ids.values())
        changed_days: set[date] = set()
        for ticket in rng.sample(tickets, 25):
            choice = rng.randrange(7)
            # A solve moves the solve days only; every other change here moves the creation day.
            if choice in (1, 2) and ticket.solved_at is not None:
                changed_days.add(ticket.solved_at.date())
            elif choice not in (1, 2):
                changed_days.add(ticket.created_at.date())
            if choice == 0:
                ticket.assignee_id = rng.choice(
                    [a for a in [None, *agents] if a != ticket.assignee_id]
                )
            elif choice == 1 or (choice == 2 and ticket.solved_at is None):
                ticket.solved_at = ticket.created_at + timedelta(hours=rng.randrange(1, 90))
                changed_days.add(ticket.solved_at.date())
            elif choice == 2:
                ticket.solved_at = None
            elif choice == 3:
                ticket.created_at = ticket.created_at - timedelta(days=rng.randrange(1, 4))
                changed_days.add(ticket.created_at.date())
            elif choice == 4:
                ticket.is_spam = not ticket.is_spam
            elif choice == 5:
                ticket.priority = rng.choice([p for p in TicketPriority if p != ticket.priority])
                ticket.reopen_count += 1
            elif ticket.first_replied_at is None:
                ticket.first_replied_at = ticket.created_at + timedelta(minutes=5)
            else:
                ticket.first_replied_at = None
        targets = list(session.scalars(select(TicketSlaTarget).limit(40)))
        for target in rng.sample(targets, 8):
            target.breached_at = None if target.breached_at else target.started_at
        surveys = list(session.scalars(select(CsatSurvey).limit(40)))
        for survey in rng.sample(surveys, min(5, len(surveys))):
            survey.score = rng.choice([1, 5])
        session.delete(surveys[0])
        session.flush()
        dirty = set(
            session.scalars(
                select(ServiceKpiDirtyDay.day).where(
                    ServiceKpiDirtyDay.workspace_id == tenant.workspace_id
                )
            )
        )
        assert changed_days <= dirty

    with tenant.session() as session:
        # The changes are committed, the rollups not rebuilt: every answer is still exact.
        _assert_parity(session, tenant.workspace_id, random.Random(3), periods=10)
        assert days_to_build(session, workspace_id=tenant.workspace_id, now=NOW)

    with tenant.session() as session:
        team = session.scalars(select(Team).where(Team.workspace_id == tenant.workspace_id)).first()
        assert team is not None
        session.delete(team)  # the database sets the tickets' team to NULL

    with tenant.session() as session:
        _assert_parity(session, tenant.workspace_id, random.Random(4), periods=6)
        result = refresh_rollups(session, workspace_id=tenant.workspace_id, now=NOW, max_days=None)
        assert result.built > 0

    with tenant.session() as session:
        remaining = session.scalar(
            select(func.count())
            .select_from(ServiceKpiDirtyDay)
            .where(
                ServiceKpiDirtyDay.workspace_id == tenant.workspace_id,
                ServiceKpiDirtyDay.day < NOW.date(),
            )
        )
        assert remaining == 0
        used = _assert_parity(session, tenant.workspace_id, random.Random(9), periods=6)
        assert used > 0


def test_a_rolled_back_change_leaves_no_mark(runtime: Runtime) -> None:
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        _seed(session, tenant, random.Random(2), tickets=5)
    with tenant.session() as session:
        before = session.scalar(select(func.count()).select_from(ServiceKpiDirtyDay))
    session = runtime.session_factory(info={"workspace_id": tenant.workspace_id})
    try:
        ticket = session.scalars(select(Ticket)).first()
        assert ticket is not None
        ticket.assignee_id = (
            None if ticket.assignee_id else tenant.user_ids[next(iter(tenant.user_ids))]
        )
        session.flush()
        assert session.scalar(select(func.count()).select_from(ServiceKpiDirtyDay)) > before
        session.rollback()
    finally:
        session.close()
    with tenant.session() as session:
        assert session.scalar(select(func.count()).select_from(ServiceKpiDirtyDay)) == before


def test_an_api_change_marks_the_ticket_day(runtime: Runtime, client: Any) -> None:
    tenant = make_tenant(runtime)
    response = client.post(
        "/api/v1/tickets",
        json={"subject": "s", "description": "d", "requester": {"emails": ["a@example.com"]}},
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    ticket_id = response.json()["id"]
    created_day = datetime.fromisoformat(response.json()["created_at"]).astimezone(UTC).date()
    with tenant.session() as session:
        # The creation itself (created_at from the column default) marked its day.
        assert created_day in set(session.scalars(select(ServiceKpiDirtyDay.day)))
        session.execute(
            ServiceKpiDirtyDay.__table__.delete().where(
                ServiceKpiDirtyDay.workspace_id == tenant.workspace_id
            )
        )
    response = client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"priority": "urgent"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    with tenant.session() as session:
        days = set(
            session.scalars(
                select(ServiceKpiDirtyDay.day).where(
                    ServiceKpiDirtyDay.workspace_id == tenant.workspace_id
                )
            )
        )
    assert created_day in days


def test_job_is_scheduled_and_builds_missing_days(runtime: Runtime) -> None:
    assert REFRESH_ROLLUPS in {task.job_name for task in runtime.scheduler.tasks}  # type: ignore[union-attr]
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        _seed(session, tenant, random.Random(11), tickets=20)
    job = runtime.jobs.get(REFRESH_ROLLUPS)
    with tenant.session() as session:
        job(session, {"at": NOW.isoformat()})
    with tenant.session() as session:
        built = set(
            session.scalars(
                select(ServiceKpiRollupDay.day).where(
                    ServiceKpiRollupDay.workspace_id == tenant.workspace_id
                )
            )
        )
        # At most JOB_MAX_DAYS per run, newest first.
        every_day = days_between(session, tenant.workspace_id)
        assert built == set(every_day[-JOB_MAX_DAYS:])
    for _ in range(len(every_day)):
        with tenant.session() as session:
            if not days_to_build(session, workspace_id=tenant.workspace_id, now=NOW):
                break
            job(session, {"at": NOW.isoformat()})
    with tenant.session() as session:
        assert days_to_build(session, workspace_id=tenant.workspace_id, now=NOW) == []
        assert session.scalar(
            select(func.count())
            .select_from(ServiceKpiRollupDay)
            .where(ServiceKpiRollupDay.workspace_id == tenant.workspace_id)
        ) == len(every_day)


def days_between(session: Session, workspace_id: int) -> list[date]:
    first = session.scalar(
        select(func.min(Ticket.created_at)).where(Ticket.workspace_id == workspace_id)
    )
    assert first is not None
    return [first.date() + timedelta(days=n) for n in range((NOW.date() - first.date()).days)]


def test_cli_rebuilds_rollups(runtime: Runtime, settings: Settings) -> None:
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        _seed(session, tenant, random.Random(12), tickets=15)
    result = CliRunner().invoke(
        cli_app,
        [
            "--database-url",
            str(settings.database_url),
            "db",
            "rebuild-rollups",
            "--workspace",
            tenant.slug,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: " in result.output
    with tenant.session() as session:
        assert days_to_build(session, workspace_id=tenant.workspace_id, now=datetime.now(UTC)) == []
        rows = session.scalar(
            select(func.count())
            .select_from(ServiceKpiRollup)
            .where(ServiceKpiRollup.workspace_id == tenant.workspace_id)
        )
        assert rows
        assert rows > 0
    full = CliRunner().invoke(
        cli_app,
        [
            "--database-url",
            str(settings.database_url),
            "db",
            "rebuild-rollups",
            "--workspace",
            tenant.slug,
            "--full",
        ],
    )
    assert full.exit_code == 0, full.output
    built = int(full.output.split(": ")[1].split(" ")[0])
    assert built > 0


def test_rollups_of_one_workspace_never_answer_for_another(
    seeded: Tenant, runtime: Runtime
) -> None:
    other = make_tenant(runtime)
    with other.session() as session:
        groups = service_kpis(
            session,
            workspace_id=other.workspace_id,
            start=FIRST_DAY,
            end=FIRST_DAY + timedelta(days=SPAN_DAYS),
        )
    assert [g.created for g in groups] == [0]
    with seeded.session() as session:
        seeded_groups = service_kpis(
            session,
            workspace_id=seeded.workspace_id,
            start=FIRST_DAY,
            end=FIRST_DAY + timedelta(days=SPAN_DAYS),
        )
    assert seeded_groups[0].created > 0


def test_a_change_committed_during_a_rebuild_keeps_its_day_live(runtime: Runtime) -> None:
    """The rebuild reads (marks, then data) before a change commits and writes after it: the
    change's own mark survives, so its day is answered live, exactly."""
    tenant = make_tenant(runtime)
    with tenant.session() as session:
        ids = _seed(session, tenant, random.Random(31), tickets=60)
    with tenant.session() as session:
        refresh_rollups(session, workspace_id=tenant.workspace_id, now=NOW, max_days=None)
    with tenant.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.id == ids[0])).one()
        day = ticket.created_at.date()
        computed = compute_days(session, workspace_id=tenant.workspace_id, days=[day])
    with tenant.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.id == ids[0])).one()
        ticket.is_spam = not ticket.is_spam  # committed between the read and the write
    with tenant.session() as session:
        assert write_days(session, workspace_id=tenant.workspace_id, computed=computed) == 1
    with tenant.session() as session:
        start = midnight(day)
        plan = plan_period(
            session,
            workspace_id=tenant.workspace_id,
            start=start,
            end=start + timedelta(days=1),
        )
        assert plan.rolled_up == []  # still dirty: the stale rows are not read
        for group_by in GroupBy:
            with_rollups, live = _both(
                session, tenant.workspace_id, start, start + timedelta(days=1), group_by
            )
            assert with_rollups == live
        # A rebuild that read earlier than the day's current build leaves the newer build alone.
        refresh_rollups(session, workspace_id=tenant.workspace_id, now=NOW)
        stale = compute_days(session, workspace_id=tenant.workspace_id, days=[day])
        stale = type(stale)(stale.days, [], stale.mark_ids, stale.read_at - timedelta(hours=1))
        assert write_days(session, workspace_id=tenant.workspace_id, computed=stale) == 0
        plan = plan_period(
            session, workspace_id=tenant.workspace_id, start=start, end=start + timedelta(days=1)
        )
        assert plan.rolled_up == [day]
