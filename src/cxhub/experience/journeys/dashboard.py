"""The CX dashboard's journey section: the funnel of the first active journey over the period
(customers who reached each stage, conversion to the next) and NPS per stage, from the same
`journey_analytics` as `GET /api/v1/journeys/{id}/analytics` (docs/journeys.md)."""

from __future__ import annotations

from typing import Any

from cxhub.analytics.dashboard_charts import Chart, Series
from cxhub.experience.connected.sections import SectionRequest
from cxhub.experience.journeys.analytics import journey_analytics
from cxhub.experience.journeys.service import list_journeys
from cxhub.web.formatting import UNDEFINED


def journey_section(request: SectionRequest) -> dict[str, Any]:
    journeys = [j for j in list_journeys(request.session) if j.active]
    if not journeys or request.data_dir is None:
        return {"journey": None}
    journey = journeys[0]
    result = journey_analytics(
        request.session,
        workspace_id=request.workspace_id,
        journey_id=journey.id,
        since=request.since,
        until=request.until,
        data_dir=request.data_dir,
        parts=("funnel", "scores"),
    )
    fmt, _ = request.fmt, request.translate
    labels = [stage.name for stage in result.funnel]
    values: list[float | None] = [float(stage.reached) for stage in result.funnel]
    chart = Chart(
        "cx-journey-funnel",
        _("Journey funnel: {name}", name=journey.name),
        _("Customers"),
        [
            Series(
                _("Customers"),
                "bar",
                labels,
                values,
                [fmt.number(stage.reached) for stage in result.funnel],
                [None] * len(values),
            )
        ],
    )
    names = {stage.key: stage.name for stage in result.funnel}
    rows = [
        (
            names.get(key, key),
            UNDEFINED if summary.nps is None else fmt.number(round(summary.nps, 1)),
            summary.responses,
        )
        for key, summary in result.by_stage
    ]
    conversions = [
        (
            stage.name,
            UNDEFINED
            if stage.conversion_to_next is None
            else fmt.percent(100.0 * stage.conversion_to_next),
        )
        for stage in result.funnel[:-1]
    ]
    return {"journey": journey, "chart": chart, "stages": rows, "conversions": conversions}
