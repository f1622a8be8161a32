"""The CX dashboard is a list of sections: each one a function that returns its data and a
template partial that draws it. The page knows no section; adding one (surveys, journeys,
topic discovery) is a builder, a partial under `web/templates/experience/` and one line in
`SECTIONS` (docs/experience.md, "Adding a dashboard section").

Every number comes from the shared metric layer (`analytics.connected_experience`,
`analytics.experience_kpis`), the functions behind `GET /api/v1/metrics/experience`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cxhub.analytics.connected_experience import ConnectedGroupBy, connected_experience, merge
from cxhub.analytics.dashboard_charts import CHANNEL_LABELS, Chart, Series
from cxhub.analytics.experience_kpis import (
    LOWEST_CUSTOMERS,
    csat_weekly,
    nps_weekly,
    sentiment_by_channel,
    top_negative_topics,
)
from cxhub.core.errors import NotFound
from cxhub.core.permissions import Permission
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.names import full_name
from cxhub.web.formatting import UNDEFINED, LocalFormat

Translate = Callable[..., str]


@dataclass(frozen=True)
class SectionRequest:
    """What every section builder gets: the period, the viewer's formats and language."""

    session: Session
    workspace_id: int
    since: datetime
    until: datetime
    window_days: int
    fmt: LocalFormat
    translate: Translate
    #: The installation's data folder (usage events for journey analytics); None in tests of
    #: sections that do not read files.
    data_dir: Path | None = None


@dataclass(frozen=True)
class DashboardSection:
    key: str
    template: str  # a partial; it reads its data as `data`
    build: Callable[[SectionRequest], dict[str, Any]]
    #: Shown only to viewers with this permission (None: anyone who sees the dashboard).
    permission: Permission | None = None


def _number(fmt: LocalFormat, value: float | None) -> str:
    return UNDEFINED if value is None else fmt.number(round(value, 1))


def _percent_text(fmt: LocalFormat, value: float | None) -> str:
    return fmt.percent(value)


def connected_section(request: SectionRequest) -> dict[str, Any]:
    def groups(by: ConnectedGroupBy) -> list[Any]:
        return connected_experience(
            request.session,
            workspace_id=request.workspace_id,
            since=request.since,
            until=request.until,
            group_by=by,
            window_days=request.window_days,
        )

    by_contact = groups(ConnectedGroupBy.CONTACT)
    total = merge(by_contact)  # the contacts partition the tickets: one query fewer
    weeks = groups(ConnectedGroupBy.WEEK)
    customers = [g for g in by_contact if g.score is not None]
    lowest = sorted(customers, key=lambda g: (g.score, -g.tickets, g.key or ""))
    rows = []
    for group in lowest[:LOWEST_CUSTOMERS]:
        try:
            contact = contacts.get_contact(request.session, contact_id=int(group.key or 0))
            name = full_name(contact.first_name, contact.last_name)
        except NotFound:
            name = f"#{group.key}"
        rows.append((group, name or f"#{group.key}"))
    fmt, _ = request.fmt, request.translate
    labels = [fmt.day(datetime.fromisoformat(g.key or "").date()) for g in weeks]

    def series(name: str, values: list[float | None]) -> Series:
        texts = [_percent_text(fmt, v) if name != _("Score") else _number(fmt, v) for v in values]
        return Series(name, "line", labels, values, texts, [None] * len(values))

    chart = Chart(
        "cx-connected-trend",
        _("Connected experience by week"),
        _("Score / percent"),
        [
            series(_("Score"), [g.score for g in weeks]),
            series(_("Repeat contact rate"), [g.repeat_rate for g in weeks]),
            series(_("Channel switching"), [g.switch_rate for g in weeks]),
            series(_("First-contact resolution"), [g.fcr_rate for g in weeks]),
        ],
        percent=True,
    )
    return {"total": total, "chart": chart, "lowest": rows, "window_days": request.window_days}


def sentiment_section(request: SectionRequest) -> dict[str, Any]:
    rows = sentiment_by_channel(
        request.session,
        workspace_id=request.workspace_id,
        since=request.since,
        until=request.until,
    )
    fmt, _ = request.fmt, request.translate
    labels = [_(CHANNEL_LABELS.get(r.channel, r.channel)) for r in rows]

    def series(name: str, values: list[int]) -> Series:
        return Series(
            name,
            "bar",
            labels,
            [float(v) for v in values],
            [fmt.number(v) for v in values],
            [None] * len(values),
        )

    chart = Chart(
        "cx-sentiment-channel",
        _("Sentiment by channel"),
        _("Messages"),
        [
            series(_("Positive"), [r.positive for r in rows]),
            series(_("Neutral"), [r.neutral for r in rows]),
            series(_("Negative"), [r.negative for r in rows]),
        ],
    )
    return {"rows": list(zip(labels, rows, strict=True)), "chart": chart}


def scores_section(request: SectionRequest) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "workspace_id": request.workspace_id,
        "since": request.since,
        "until": request.until,
    }
    fmt, _ = request.fmt, request.translate

    def chart(chart_id: str, title: str, axis: str, weeks: list[Any], percent: bool) -> Chart:
        labels = [fmt.day(datetime.fromisoformat(w.week).date()) for w in weeks]
        values = [w.value for w in weeks]
        texts = [fmt.percent(v) if percent else _number(fmt, v) for v in values]
        return Chart(
            chart_id,
            title,
            axis,
            [Series(title, "line", labels, values, texts, [None] * len(values))],
            percent=percent,
        )

    csat = csat_weekly(request.session, **scope)
    nps = nps_weekly(request.session, **scope)
    return {
        "charts": [
            chart("cx-csat-trend", _("CSAT by week"), _("Percent"), csat, True),
            chart("cx-nps-trend", _("NPS by week"), _("NPS"), nps, False),
        ]
    }


def topics_section(request: SectionRequest) -> dict[str, Any]:
    return {
        "topics": top_negative_topics(
            request.session,
            workspace_id=request.workspace_id,
            since=request.since,
            until=request.until,
        )
    }


#: The dashboard's sections, in page order. Add one here (see the module docstring).
SECTIONS: tuple[DashboardSection, ...] = (
    DashboardSection("connected", "experience/_section_connected.html", connected_section),
    DashboardSection("sentiment", "experience/_section_sentiment.html", sentiment_section),
    DashboardSection("scores", "experience/_section_scores.html", scores_section),
    DashboardSection("topics", "experience/_section_topics.html", topics_section),
)


def all_sections() -> tuple[DashboardSection, ...]:
    """`SECTIONS` and the sections of the other experience sub-domains (surveys, journeys,
    topic discovery), imported here so this module does not depend on them at import time."""
    from cxhub.experience.journeys.dashboard import journey_section
    from cxhub.experience.surveys.dashboard import surveys_section
    from cxhub.experience.topics.dashboard import discovered_topics_section

    return (
        *SECTIONS[:3],
        DashboardSection("surveys", "experience/_section_surveys.html", surveys_section),
        DashboardSection("journey", "experience/_section_journey.html", journey_section),
        *SECTIONS[3:],
        DashboardSection(
            "discovered_topics",
            "experience/_section_discovered_topics.html",
            discovered_topics_section,
        ),
    )
