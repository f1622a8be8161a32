"""Replaying a generated ticket's history through the SLA rules, without a database.

The seed writes tickets in bulk (going through `refresh_ticket_sla` for ~20,000 changes would
take minutes), so the SLA rows are computed here by the same rules, step for step: this mirrors
`cxhub.service.sla.service` (`_initial_targets`, `_advance`, `_close`, `_recompute`) and uses the
same pure `SlaClock`, so deadlines, pauses, fulfilments and breaches are what the service would
have stored. Running targets whose deadline passed before the reference time are marked breached
at their deadline, as the `sla.check_breaches` job would have done. A test replays a few seeded
tickets through the real service and compares (tests/demo/test_tickets.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cxhub.service.sla.calendar import BusinessCalendar
from cxhub.service.sla.clock import SlaClock, SlaPause

SOLVED = frozenset({"solved", "closed"})
PAUSING = frozenset({"pending", "on_hold"})


@dataclass
class TargetRecord:
    metric: str
    target_minutes: int
    started_at: datetime
    due_at: datetime | None = None
    paused_at: datetime | None = None
    pauses: list[tuple[datetime, datetime]] = field(default_factory=list)
    fulfilled_at: datetime | None = None
    breached_at: datetime | None = None
    closed: bool = False
    cancelled: bool = False
    events: list[tuple[str, datetime]] = field(default_factory=list)  # (kind, occurred_at)

    def clock(self, calendar: BusinessCalendar) -> SlaClock:
        pauses = [SlaPause(a, b) for a, b in self.pauses]
        if self.paused_at is not None:
            pauses.append(SlaPause(self.paused_at))
        return SlaClock(
            calendar=calendar,
            target=timedelta(minutes=self.target_minutes),
            started_at=self.started_at,
            pauses=pauses,
            fulfilled_at=self.fulfilled_at,
        )


class SlaReplay:
    """The SLA targets of one ticket under one policy, advanced change by change."""

    def __init__(self, calendar: BusinessCalendar, targets: dict[str, int]) -> None:
        self.calendar = calendar
        self.minutes = targets
        self.targets: list[TargetRecord] = []

    def _open(self) -> dict[str, TargetRecord]:
        return {t.metric: t for t in self.targets if not t.closed}

    def _start(self, metric: str, at: datetime) -> TargetRecord | None:
        minutes = self.minutes.get(metric)
        if not minutes:
            return None
        target = TargetRecord(metric, int(minutes), at)
        target.events.append(("activated", at))
        self.targets.append(target)
        return target

    def _close(self, target: TargetRecord, at: datetime, *, cancelled: bool) -> None:
        if target.paused_at is not None:
            target.pauses.append((target.paused_at, at))
            target.paused_at = None
        target.closed = True
        target.cancelled = cancelled
        if cancelled:
            target.events.append(("cancelled", at))
            return
        target.fulfilled_at = at
        target.events.append(("fulfilled", at))
        clock = target.clock(self.calendar)
        target.due_at = clock.due_at()
        crossed = clock.breached_at()
        if crossed is not None and target.breached_at is None:
            target.breached_at = crossed
            target.events.append(("breached", crossed))

    def created(self, at: datetime) -> None:
        """`_initial_targets` for a new, unreplied ticket."""
        self._start("first_reply", at)
        self._start("resolution", at)

    def cancel_all(self, at: datetime) -> None:
        """Spam or merged: nothing is owed on the ticket any more."""
        for target in self._open().values():
            self._close(target, at, cancelled=True)

    def change(
        self,
        event: str,
        at: datetime,
        *,
        before: str,
        after: str,
        public: bool,
        first_replied: bool,
    ) -> None:
        """`_advance` for one change (`event` as in `TicketChange.event`)."""
        by_metric = self._open()
        if event == "agent_replied" and public:
            for metric in ("first_reply", "next_reply", "periodic_update"):
                if metric in by_metric:
                    self._close(by_metric.pop(metric), at, cancelled=False)
            if after not in SOLVED:
                started = self._start("periodic_update", at)
                if started is not None:
                    by_metric[started.metric] = started
        elif (
            event == "customer_replied"
            and first_replied
            and "next_reply" not in by_metric
            and after not in SOLVED
        ):
            started = self._start("next_reply", at)
            if started is not None:
                by_metric[started.metric] = started
        if before == after:
            return
        if after in SOLVED:
            for target in by_metric.values():
                self._close(target, at, cancelled=target.metric != "resolution")
            return
        if before in SOLVED:
            self._start("resolution", at)
            if event != "customer_replied":
                self._start("next_reply", at)
            return
        if after in PAUSING and before not in PAUSING:
            for target in by_metric.values():
                if target.paused_at is None:
                    target.paused_at = at
                    target.events.append(("paused", at))
        elif after not in PAUSING and before in PAUSING:
            for target in by_metric.values():
                if target.paused_at is not None:
                    target.pauses.append((target.paused_at, at))
                    target.paused_at = None
                    target.events.append(("resumed", at))

    def finish(self, now: datetime) -> tuple[datetime | None, bool]:
        """Deadlines of the running targets and breaches found by `now`; returns the ticket's
        (`next_sla_due_at`, `sla_breached`)."""
        nearest: datetime | None = None
        for target in self.targets:
            if target.closed:
                if target.cancelled and target.due_at is None:
                    target.due_at = target.clock(self.calendar).due_at()
                continue
            target.due_at = target.clock(self.calendar).due_at()
            if target.due_at is None or target.paused_at is not None:
                continue
            if target.due_at <= now and target.breached_at is None:
                target.breached_at = target.due_at
                target.events.append(("breached", target.due_at))
            nearest = target.due_at if nearest is None else min(nearest, target.due_at)
        breached = any(t.breached_at is not None for t in self.targets)
        return nearest, breached
