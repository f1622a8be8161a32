"""The demo's customer-success layer: contracts, scores, playbooks, their runs and CSM tasks,
so the cockpit opens on real work."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from cxhub.core.runtime import Runtime
from cxhub.demo.seed import DemoCredentials
from cxhub.demo.success import PLAYBOOKS
from cxhub.success.health.models import AccountHealthScore
from cxhub.success.playbooks.models import Playbook, PlaybookEpisode, PlaybookRun
from cxhub.success.subscriptions.models import Subscription
from cxhub.success.tasks.models import CsmTask
from tests.demo.test_seed import NOW, _session, demo  # noqa: F401 - the module's seeded demo


def test_the_demo_has_contracts_scores_playbooks_runs_and_tasks(
    runtime: Runtime,
    demo: DemoCredentials,  # noqa: F811
) -> None:
    with _session(runtime, demo) as session:
        contracts = list(session.scalars(select(Subscription)))
        assert len(contracts) > 100
        assert all(s.renewal_on is not None and s.renewal_on >= NOW.date() for s in contracts)
        bands = Counter(session.scalars(select(AccountHealthScore.band)))
        assert bands["poor"] > 0
        assert bands["good"] > 0
        names = set(session.scalars(select(Playbook.name)))
        assert names == {str(p["name"]) for p in PLAYBOOKS}
        runs = list(session.scalars(select(PlaybookRun)))
        assert Counter(r.trigger_type for r in runs).keys() >= {"health_band", "renewal_due"}
        assert all(r.status == "succeeded" for r in runs)
        renewal_runs = [r for r in runs if r.trigger_type == "renewal_due"]
        assert all(0 <= r.facts["days_until"] < 60 for r in renewal_runs)
        # one open episode per run: the first hourly check of a workspace
        assert session.scalar(select(func.count()).select_from(PlaybookEpisode)) == len(runs)
        tasks = list(session.scalars(select(CsmTask)))
        from_runs = [t for t in tasks if t.source == "playbook"]
        assert {t.playbook_run_id for t in from_runs} == {r.id for r in runs}
        overdue = [t for t in tasks if t.due_on is not None and t.due_on < NOW.date()]
        assert overdue, "the cockpit should open with overdue tasks"
        assert all(t.owner_id is not None for t in tasks)
        assert max(t.due_on for t in tasks if t.due_on) <= NOW.date() + timedelta(days=12)
