"""The journey analytics page's charts as plotly specs (`{"data", "layout"}`, drawn by the
shell's `dashboard.js`): a funnel of customers reached per stage and a Sankey of the first
touchpoint steps. Pure: built from `analytics.JourneyAnalytics`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxhub.experience.journeys.analytics import JourneyAnalytics

Translate = Callable[[str], str]


def funnel_spec(result: JourneyAnalytics, stage_names: dict[str, str]) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "funnel",
                "y": [stage_names.get(s.key, s.key) for s in result.funnel],
                "x": [s.reached for s in result.funnel],
                "textinfo": "value+percent initial",
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": {"margin": {"l": 140, "r": 20, "t": 10, "b": 30}, "height": 360},
    }


def sankey_spec(result: JourneyAnalytics, step_label: Callable[[int], str]) -> dict[str, Any]:
    nodes = result.sankey["nodes"]
    links = result.sankey["links"]
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": [f"{step_label(n['step'])}: {n['label']}" for n in nodes],
                    "pad": 12,
                    "thickness": 14,
                },
                "link": {
                    "source": [link["source"] for link in links],
                    "target": [link["target"] for link in links],
                    "value": [link["value"] for link in links],
                },
            }
        ],
        "layout": {"margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "height": 420},
    }
