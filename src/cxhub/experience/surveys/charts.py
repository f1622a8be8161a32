"""The results page's charts (plotly specs, drawn by the shell's dashboard.js) and the numbers
behind them, from `survey_kpis` results. Pure: no database."""

from __future__ import annotations

from typing import Any

from cxhub.analytics.survey_kpis import KindMetric, KpiGroup

SCORE_TITLES = {"nps": "NPS", "csat": "CSAT (%)", "ces": "CES (1–7)"}
#: The whole scale on the y axis, so one week at −100 does not look like a flat line at 0.
SCORE_RANGES = {"nps": [-100, 100], "csat": [0, 100], "ces": [1, 7]}


def distribution_chart(metric: KindMetric, title: str) -> dict[str, Any]:
    points = sorted(metric.distribution)
    colours = []
    for point in points:
        if metric.kind == "nps":
            colours.append("#c0392b" if point <= 6 else "#f1c40f" if point <= 8 else "#27ae60")
        elif metric.kind == "csat":
            colours.append("#c0392b" if point <= 2 else "#f1c40f" if point == 3 else "#27ae60")
        else:
            colours.append("#c0392b" if point <= 3 else "#f1c40f" if point == 4 else "#27ae60")
    return {
        "data": [
            {
                "type": "bar",
                "name": title,
                "x": [str(p) for p in points],
                "y": [metric.distribution[p] for p in points],
                "marker": {"color": colours},
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"l": 48, "r": 16, "t": 8, "b": 40},
            "height": 260,
            "xaxis": {"type": "category"},
            "yaxis": {"rangemode": "tozero", "automargin": True},
        },
    }


def trend_rows(groups: list[KpiGroup], kind: str) -> list[tuple[str, float | None, int]]:
    """(week, score, responses) per week that has responses of `kind`."""
    rows = []
    for group in groups:
        metric = group.metrics.get(kind)
        if metric is not None:
            rows.append((group.key, metric.score, metric.responses))
    return rows


def trend_chart(rows: list[tuple[str, float | None, int]], kind: str) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": SCORE_TITLES[kind],
                "x": [week for week, _, _ in rows],
                "y": [score for _, score, _ in rows],
                "text": [f"{count}" for _, _, count in rows],
                "hovertemplate": "%{x}: %{y:.1f} (n=%{text})<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"l": 48, "r": 16, "t": 8, "b": 48},
            "height": 260,
            "xaxis": {"type": "category", "automargin": True},
            "yaxis": {"range": SCORE_RANGES[kind], "automargin": True},
        },
    }
