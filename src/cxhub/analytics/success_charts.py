"""Chart specs of the customer-success pages (account health, account usage, revenue), from
results the metric functions already computed. Pure: no database, no HTTP.

Each chart is a plotly.js figure (drawn in the browser by `static/dashboard.js`, as on the
service dashboard) and the same numbers as a table ("Show the data") for readers without
JavaScript; undefined values stay gaps and read "—". A point may carry a link (`customdata`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_currency

from cxhub.analytics.adoption import AccountAdoption, ActiveUsersDay
from cxhub.web.formatting import UNDEFINED, LocalFormat

Translate = Callable[..., str]
Cell = tuple[str, str | None]

COLOURS = {
    "increase": "#2e7d32",
    "decrease": "#c62828",
    "total": "#455a64",
    "line": "#1565c0",
    "second": "#6a1b9a",
    "third": "#ef6c00",
}


@dataclass(frozen=True)
class SuccessChart:
    id: str
    title: str
    traces: list[dict[str, Any]]
    headers: list[str]
    rows: list[tuple[str, list[Cell]]]
    y_title: str = ""
    percent: bool = False
    extra_layout: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.rows

    def spec(self) -> dict[str, Any]:
        layout: dict[str, Any] = {
            "margin": {"l": 64, "r": 16, "t": 8, "b": 48},
            "height": 300,
            "barmode": "group",
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"title": {"text": self.y_title}, "rangemode": "tozero"},
            "xaxis": {"type": "category", "automargin": True},
            "hovermode": "closest",
        }
        if self.percent:
            layout["yaxis"]["range"] = [0, 100]
        layout |= self.extra_layout
        return {"data": self.traces, "layout": layout}


def line_trace(
    name: str, x: list[str], y: Sequence[float | None], texts: list[str], colour: str
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers" if len(x) <= 45 else "lines",
        "name": name,
        "x": x,
        "y": list(y),
        "text": texts,
        "connectgaps": False,
        "line": {"color": colour},
        "hovertemplate": "%{x}<br>" + name.replace("%", "%%") + ": %{text}<extra></extra>",
    }


def bar_trace(
    name: str,
    x: list[str],
    y: list[float | None],
    texts: list[str],
    colour: str,
    links: list[str | None] | None = None,
) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "type": "bar",
        "name": name,
        "x": x,
        "y": y,
        "text": texts,
        "textposition": "none",
        "marker": {"color": colour},
        "hovertemplate": "%{x}<br>" + name.replace("%", "%%") + ": %{text}<extra></extra>",
    }
    if links is not None:
        trace["customdata"] = links
    return trace


def _day(fmt: LocalFormat, iso_day: str) -> str:
    return fmt.day(date.fromisoformat(iso_day))


def _score(fmt: LocalFormat, value: float | None) -> str:
    """A 0–100 score with one decimal; "—" when undefined."""
    return UNDEFINED if value is None else fmt.number(round(value, 1))


def month_label(fmt: LocalFormat, month: date) -> str:
    """ "Mar 2026" in the viewer's language."""
    return str(format_skeleton("yMMM", month, locale=fmt.locale))


def money(fmt: LocalFormat, cents: int | None, currency: str | None) -> str:
    """Integer minor units as the viewer reads an amount of `currency`; "—" when unknown."""
    if cents is None:
        return UNDEFINED
    if currency is None:
        return fmt.number(cents / 100)
    return str(format_currency(cents / 100, currency, locale=fmt.locale))


# --- account health ------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthPoint:
    """One day of an account's stored health: the score and each component's score."""

    day: str
    score: float | None
    components: dict[str, float | None]


def health_charts(
    points: Sequence[HealthPoint],
    *,
    labels: dict[str, str],
    fmt: LocalFormat,
    translate: Translate,
    bands: Sequence[tuple[str, float]] = (),
) -> list[SuccessChart]:
    """The score over time (with a dotted line where each band starts), and each measured
    component's 0–100 score over time."""
    _ = translate
    days = [_day(fmt, p.day) for p in points]
    scores = [p.score for p in points]
    score_chart = SuccessChart(
        "chart-health-score",
        _("Health score over time"),
        [line_trace(_("Score"), days, scores, [_score(fmt, s) for s in scores], COLOURS["line"])]
        if points
        else [],
        [_("Score")],
        [(day, [(_score(fmt, s), None)]) for day, s in zip(days, scores, strict=True)],
        y_title=_("Score (0–100)"),
        percent=True,
        extra_layout={
            "shapes": [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": minimum,
                    "y1": minimum,
                    "line": {"dash": "dot", "width": 1, "color": COLOURS["total"]},
                }
                for _name, minimum in bands
                if minimum > 0
            ],
            "annotations": [
                {
                    "xref": "paper",
                    "x": 1,
                    "xanchor": "right",
                    "y": minimum,
                    "yanchor": "bottom",
                    "text": name,
                    "showarrow": False,
                    "font": {"size": 11, "color": COLOURS["total"]},
                }
                for name, minimum in bands
            ],
        },
    )
    metrics = sorted(
        {m for p in points for m, v in p.components.items() if v is not None}
    )  # components never measured would only be empty lines
    palette = list(COLOURS.values())
    traces = []
    for index, metric in enumerate(metrics):
        values = [p.components.get(metric) for p in points]
        traces.append(
            line_trace(
                labels.get(metric, metric),
                days,
                values,
                [_score(fmt, v) for v in values],
                palette[index % len(palette)],
            )
        )
    component_chart = SuccessChart(
        "chart-health-components",
        _("Component scores over time"),
        traces,
        [labels.get(m, m) for m in metrics],
        [
            (day, [(_score(fmt, p.components.get(m)), None) for m in metrics])
            for day, p in zip(days, points, strict=True)
        ]
        if metrics
        else [],
        y_title=_("Score (0–100)"),
        percent=True,
    )
    return [score_chart, component_chart]


# --- account usage -------------------------------------------------------------------------


def usage_charts(
    trend: Sequence[ActiveUsersDay],
    usage: AccountAdoption,
    *,
    fmt: LocalFormat,
    translate: Translate,
) -> list[SuccessChart]:
    """DAU/WAU/MAU per day, events per feature (depth), active vs licensed seats."""
    _ = translate
    days = [_day(fmt, d.day) for d in trend]
    active = any(d.mau for d in trend)
    series = [
        (_("DAU"), [float(d.dau) for d in trend], COLOURS["line"]),
        (_("WAU"), [float(d.wau) for d in trend], COLOURS["second"]),
        (_("MAU"), [float(d.mau) for d in trend], COLOURS["third"]),
    ]
    users_chart = SuccessChart(
        "chart-usage-users",
        _("Active users per day"),
        [
            line_trace(name, days, values, [fmt.number(v) for v in values], colour)
            for name, values, colour in series
        ],
        [name for name, _v, _c in series],
        [
            (day, [(fmt.number(values[i]), None) for _n, values, _c in series])
            for i, day in enumerate(days)
        ]
        if active
        else [],
        y_title=_("Users"),
    )
    features = usage.feature_depth
    names = [f.event for f in features]
    feature_chart = SuccessChart(
        "chart-usage-features",
        _("Feature use in the last 30 days"),
        [
            bar_trace(
                _("Events"),
                names,
                [float(f.events) for f in features],
                [fmt.number(f.events) for f in features],
                COLOURS["line"],
            ),
            bar_trace(
                _("Users"),
                names,
                [float(f.users) for f in features],
                [fmt.number(f.users) for f in features],
                COLOURS["third"],
            ),
        ]
        if features
        else [],
        [_("Events"), _("Users")],
        [(f.event, [(fmt.number(f.events), None), (fmt.number(f.users), None)]) for f in features],
        y_title=_("Count"),
    )
    seat_labels = [_("Active seats"), _("Licensed seats")]
    seat_values: list[float | None] = [
        float(usage.active_seats),
        None if usage.licensed_seats is None else float(usage.licensed_seats),
    ]
    seat_texts = [fmt.number(usage.active_seats), fmt.number(usage.licensed_seats)]
    seats_chart = SuccessChart(
        "chart-usage-seats",
        _("Seats"),
        [bar_trace(_("Seats"), seat_labels, seat_values, seat_texts, COLOURS["line"])],
        [_("Seats")],
        [(label, [(text, None)]) for label, text in zip(seat_labels, seat_texts, strict=True)],
        y_title=_("Seats"),
    )
    return [users_chart, feature_chart, seats_chart]


__all__ = [
    "UNDEFINED",
    "HealthPoint",
    "SuccessChart",
    "health_charts",
    "usage_charts",
]
