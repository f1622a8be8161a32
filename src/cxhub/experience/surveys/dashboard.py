"""The CX dashboard's survey section: NPS, CSAT and CES by week, and the three scores by
segment, journey stage and touchpoint — all from `analytics.survey_kpis`, the definitions behind
`GET /api/v1/metrics/surveys` (docs/surveys.md), read once per render (`survey_kpis_cuts`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cxhub.analytics.dashboard_charts import Chart, Series
from cxhub.analytics.survey_kpis import SCORED_KINDS, KindMetric, survey_kpis_cuts
from cxhub.experience.connected.sections import SectionRequest
from cxhub.web.formatting import UNDEFINED

#: The cuts shown as tables, in page order.
BREAKDOWNS = ("segment", "journey_stage", "touchpoint")


def _score_text(request: SectionRequest, metric: KindMetric | None) -> str:
    if metric is None or metric.score is None:
        return UNDEFINED
    if metric.kind == "csat":
        return request.fmt.percent(metric.score)
    return request.fmt.number(round(metric.score, 1))


def surveys_section(request: SectionRequest) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "workspace_id": request.workspace_id,
        "since": request.since,
        "until": request.until,
    }
    fmt, _ = request.fmt, request.translate
    cuts = survey_kpis_cuts(request.session, group_bys=("week", *BREAKDOWNS), **scope)
    weekly = cuts["week"]
    labels = [fmt.day(date.fromisoformat(g.key)) for g in weekly.groups]
    titles = {
        "nps": (_("NPS by week (surveys)"), _("NPS")),
        "csat": (_("CSAT by week (surveys)"), _("Percent")),
        "ces": (_("CES by week (surveys)"), _("Mean effort, 1–7")),
    }
    charts = []
    for kind in SCORED_KINDS:
        values = [g.metrics[kind].score if kind in g.metrics else None for g in weekly.groups]
        texts = [_score_text(request, g.metrics.get(kind)) for g in weekly.groups]
        title, axis = titles[kind]
        charts.append(
            Chart(
                f"cx-survey-{kind}",
                title,
                axis,
                [Series(title, "line", labels, values, texts, [None] * len(values))],
                percent=kind == "csat",
            )
        )
    tables = []
    for group_by in BREAKDOWNS:
        cut = cuts[group_by]
        rows = [
            (
                group.key or UNDEFINED,
                [_score_text(request, group.metrics.get(kind)) for kind in SCORED_KINDS],
                sum(m.responses for m in group.metrics.values()),
            )
            for group in cut.groups
        ]
        tables.append((group_by, rows))
    return {
        "charts": charts,
        "tables": tables,
        "responses": weekly.responses,
        "response_rate": weekly.response_rate,
    }
