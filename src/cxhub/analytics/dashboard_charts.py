"""The service dashboard's chart series, from KPI groups already computed by `service_kpis`.

Pure: no database, no HTTP. Each series carries the values (undefined stays `None`, drawn as a gap
and shown as "—"), the values as the viewer reads them (locale formats) and, per point, the link
a click drills down to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from cxhub.analytics.service_kpis import KpiGroup
from cxhub.web.formatting import UNDEFINED, LocalFormat

Translate = Callable[..., str]
InboxUrl = Callable[..., str]

CHANNEL_LABELS = {
    "email": "Email",
    "web": "Web",
    "phone": "Phone",
    "chat": "Chat",
    "sms": "SMS",
    "social": "Social",
    "in_app": "In-app",
    "in_person": "In person",
    "api": "API",
    "other": "Other",
}
SLA_METRIC_LABELS = {
    "first_reply": "First reply",
    "next_reply": "Next reply",
    "periodic_update": "Periodic update",
    "resolution": "Resolution",
}
#: Days longer than this are drawn without markers (a line is easier to read).
MARKER_DAYS = 45


@dataclass(frozen=True)
class Series:
    name: str
    kind: Literal["bar", "line"]
    labels: list[str]
    values: list[float | None]
    texts: list[str]
    links: list[str | None]

    def trace(self) -> dict[str, Any]:
        trace: dict[str, Any] = {
            "type": "bar" if self.kind == "bar" else "scatter",
            "name": self.name,
            "x": self.labels,
            "y": self.values,
            "text": self.texts,
            "customdata": self.links,
            "hovertemplate": "%{x}<br>" + self.name.replace("%", "%%") + ": %{text}<extra></extra>",
        }
        if self.kind == "bar":
            trace["textposition"] = "none"
        else:
            trace["mode"] = "lines+markers" if len(self.labels) <= MARKER_DAYS else "lines"
            trace["connectgaps"] = False
        return trace


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    y_title: str
    series: list[Series] = field(default_factory=list)
    percent: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to draw: no points, or only undefined values."""
        return all(value is None for s in self.series for value in s.values)

    @property
    def rows(self) -> list[tuple[str, list[tuple[str, str | None]]]]:
        """The data as a table (the chart without JavaScript): label, then (text, link) cells."""
        if not self.series:
            return []
        return [
            (label, [(s.texts[i], s.links[i]) for s in self.series])
            for i, label in enumerate(self.series[0].labels)
        ]

    def spec(self) -> dict[str, Any]:
        layout: dict[str, Any] = {
            "margin": {"l": 56, "r": 16, "t": 8, "b": 48},
            "height": 300,
            "barmode": "group",
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"title": {"text": self.y_title}, "rangemode": "tozero"},
            "xaxis": {"type": "category", "automargin": True},
            "hovermode": "closest",
        }
        if self.percent:
            layout["yaxis"]["range"] = [0, 100]
        return {"data": [s.trace() for s in self.series], "layout": layout}


def period_days(start: datetime, end: datetime) -> list[date]:
    """The UTC days of `[start, end)` (the days `service_kpis` groups by)."""
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), UTC)
    return start, start + timedelta(days=1)


def build_charts(
    *,
    total: KpiGroup,
    by_day: list[KpiGroup],
    by_channel: list[KpiGroup],
    start: datetime,
    end: datetime,
    fmt: LocalFormat,
    translate: Translate,
    inbox_url: InboxUrl,
) -> list[Chart]:
    _ = translate  # chart texts are English message ids, translated here as in templates
    days = period_days(start, end)
    per_day = {group.key: group for group in by_day if group.key is not None}
    empty = KpiGroup(key=None)
    day_groups = [per_day.get(day.isoformat(), empty) for day in days]
    day_labels = [fmt.day(day) for day in days]
    day_ranges = [_day_range(day) for day in days]

    def count(values: list[int]) -> tuple[list[float | None], list[str]]:
        return [float(v) for v in values], [fmt.number(v) for v in values]

    created, created_text = count([g.created for g in day_groups])
    solved, solved_text = count([g.solved for g in day_groups])
    volume = Chart(
        "chart-volume",
        _("Tickets per day"),
        _("Tickets"),
        [
            Series(
                _("Created"),
                "bar",
                day_labels,
                created,
                created_text,
                [inbox_url(created_from=a, created_to=b) for a, b in day_ranges],
            ),
            Series(
                _("Solved"),
                "bar",
                day_labels,
                solved,
                solved_text,
                [inbox_url(solved_from=a, solved_to=b) for a, b in day_ranges],
            ),
        ],
    )

    medians = [g.first_reply.get("median") if g.first_reply else None for g in day_groups]
    first_reply = Chart(
        "chart-first-reply",
        _("Median first reply per day"),
        _("Hours"),
        [
            Series(
                _("Median first reply"),
                "line",
                day_labels,
                [None if m is None else round(m / 3600.0, 2) for m in medians],
                [fmt.duration(m) for m in medians],
                [inbox_url(created_from=a, created_to=b) for a, b in day_ranges],
            )
        ],
    )

    metrics = [m for m in SLA_METRIC_LABELS if m in total.sla] + sorted(
        m for m in total.sla if m not in SLA_METRIC_LABELS
    )
    compliance = [total.sla[m]["compliance"] for m in metrics]
    sla = Chart(
        "chart-sla",
        _("SLA compliance per metric"),
        _("Compliance (%)"),
        [
            Series(
                _("Compliance"),
                "bar",
                [_(SLA_METRIC_LABELS.get(m, m)) for m in metrics],
                compliance,
                [fmt.percent(c) for c in compliance],
                [
                    inbox_url(sla_breached="true", created_from=start, created_to=end)
                    for _m in metrics
                ],
            )
        ],
        percent=True,
    )

    csat_values = [g.csat for g in day_groups]
    csat = Chart(
        "chart-csat",
        _("CSAT per day"),
        _("CSAT (%)"),
        [
            Series(
                _("CSAT"),
                "line",
                day_labels,
                csat_values,
                [fmt.percent(v) for v in csat_values],
                [inbox_url(solved_from=a, solved_to=b) for a, b in day_ranges],
            )
        ],
        percent=True,
    )

    channels = sorted(
        (g for g in by_channel if g.key is not None), key=lambda g: (-g.created, g.key or "")
    )
    channel_counts, channel_text = count([g.created for g in channels])
    by_channel_chart = Chart(
        "chart-channel",
        _("Tickets by channel"),
        _("Tickets"),
        [
            Series(
                _("Created"),
                "bar",
                [_(CHANNEL_LABELS.get(g.key or "", g.key or "")) for g in channels],
                channel_counts,
                channel_text,
                [inbox_url(channel=g.key, created_from=start, created_to=end) for g in channels],
            )
        ],
    )
    return [volume, first_reply, sla, csat, by_channel_chart]


__all__ = ["UNDEFINED", "Chart", "Series", "build_charts", "period_days"]
