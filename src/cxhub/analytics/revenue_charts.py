"""The revenue dashboard's charts (MRR waterfall, GRR/NRR per month, renewals pipeline, health
bands) from a `success_kpis` report already computed. Pure: no database, no HTTP; the chart
shape and helpers are `success_charts`'."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cxhub.analytics.revenue import MonthMovements
from cxhub.analytics.success import HealthDistribution, RenewalRiskWindow
from cxhub.analytics.success_charts import (
    COLOURS,
    SuccessChart,
    Translate,
    bar_trace,
    line_trace,
    month_label,
)
from cxhub.web.formatting import LocalFormat

# --- revenue dashboard ---------------------------------------------------------------------


def revenue_charts(
    *,
    start_mrr: int,
    movements: dict[str, int],
    end_mrr: int,
    months: Sequence[MonthMovements],
    renewals: Sequence[RenewalRiskWindow],
    health: HealthDistribution,
    money: Callable[[int], str],
    fmt: LocalFormat,
    translate: Translate,
) -> list[SuccessChart]:
    """The MRR waterfall of the period, GRR/NRR per month, the renewals pipeline and the
    health band distribution. `money` formats cents in the report's currency."""
    _ = translate
    steps = [
        (_("Start MRR"), start_mrr, "absolute"),
        (_("New"), movements["new"], "relative"),
        (_("Reactivation"), movements["reactivation"], "relative"),
        (_("Expansion"), movements["expansion"], "relative"),
        (_("Contraction"), -movements["contraction"], "relative"),
        (_("Churn"), -movements["churn"], "relative"),
        (_("End MRR"), end_mrr, "total"),
    ]
    waterfall = SuccessChart(
        "chart-mrr-waterfall",
        _("MRR movements"),
        [
            {
                "type": "waterfall",
                "name": _("MRR"),
                "x": [label for label, _v, _m in steps],
                "y": [value / 100 for _l, value, _m in steps],
                "measure": [measure for _l, _v, measure in steps],
                "text": [money(value) for _l, value, _m in steps],
                "textposition": "none",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "increasing": {"marker": {"color": COLOURS["increase"]}},
                "decreasing": {"marker": {"color": COLOURS["decrease"]}},
                "totals": {"marker": {"color": COLOURS["total"]}},
            }
        ],
        [_("MRR")],
        [(label, [(money(value), None)]) for label, value, _m in steps]
        if start_mrr or end_mrr or any(movements.values())
        else [],
        y_title=_("MRR"),
        extra_layout={"showlegend": False},
    )
    labels = [month_label(fmt, m.month) for m in months]
    grr = [m.movements.grr for m in months]
    nrr = [m.movements.nrr for m in months]
    retention = SuccessChart(
        "chart-retention",
        _("GRR and NRR per month"),
        [
            line_trace(_("GRR"), labels, grr, [fmt.percent(v) for v in grr], COLOURS["second"]),
            line_trace(_("NRR"), labels, nrr, [fmt.percent(v) for v in nrr], COLOURS["line"]),
        ],
        [_("GRR"), _("NRR")],
        [
            (label, [(fmt.percent(g), None), (fmt.percent(n), None)])
            for label, g, n in zip(labels, grr, nrr, strict=True)
        ]
        if any(v is not None for v in grr)
        else [],
        y_title=_("Percent"),
    )
    window_labels = [_("{days} days", days=w.days) for w in renewals]
    due = [w.arr_cents - w.at_risk_arr_cents for w in renewals]
    risky = [w.at_risk_arr_cents for w in renewals]
    pipeline = SuccessChart(
        "chart-renewals",
        _("Renewals pipeline (ARR due)"),
        [
            bar_trace(
                _("Not at risk"),
                window_labels,
                [v / 100 for v in due],
                [money(v) for v in due],
                COLOURS["increase"],
            ),
            bar_trace(
                _("At risk"),
                window_labels,
                [v / 100 for v in risky],
                [money(v) for v in risky],
                COLOURS["decrease"],
            ),
        ],
        [_("ARR due"), _("At risk")],
        [
            (label, [(money(w.arr_cents), None), (money(w.at_risk_arr_cents), None)])
            for label, w in zip(window_labels, renewals, strict=True)
        ]
        if any(w.subscriptions for w in renewals)
        else [],
        y_title=_("ARR"),
        extra_layout={"barmode": "stack"},
    )
    bands = [b.band for b in health.bands]
    counts = [b.accounts for b in health.bands]
    distribution = SuccessChart(
        "chart-health-bands",
        _("Health bands of paying accounts"),
        [
            bar_trace(
                _("Accounts"),
                bands,
                [float(c) for c in counts],
                [fmt.number(c) for c in counts],
                COLOURS["line"],
            )
        ],
        [_("Accounts")],
        [(band, [(fmt.number(c), None)]) for band, c in zip(bands, counts, strict=True)]
        if health.scored
        else [],
        y_title=_("Accounts"),
    )
    return [waterfall, retention, pipeline, distribution]
