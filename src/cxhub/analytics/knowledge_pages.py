"""The knowledge metrics page: deflection, search success, knowledge gaps by topic and week, and
article usefulness — the same functions as `GET /api/v1/metrics/knowledge`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cxhub.analytics.knowledge import knowledge_kpis
from cxhub.analytics.knowledge_gaps import GapTopic, gap_topics
from cxhub.analytics.success_charts import Cell, SuccessChart, line_trace
from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.permissions import Permission
from cxhub.web.assets import plotly_js_url
from cxhub.web.auth import page_permission
from cxhub.web.i18n import catalogues_from_rows
from cxhub.web.shell import Viewer, render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

CanRead = Annotated[Viewer, page_permission(Permission.KNOWLEDGE_READ)]
#: Topics drawn in the weekly chart (the table lists them all).
CHART_TOPICS = 5
PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00")


def gap_chart(topics: list[GapTopic], title: str) -> SuccessChart:
    """Weekly gap searches of the most frequent topics, one line each."""
    shown = topics[:CHART_TOPICS]
    weeks = [week.isoformat() for week, _ in shown[0].weeks] if shown else []
    traces = [
        line_trace(
            topic.topic,
            weeks,
            [n for _, n in topic.weeks],
            [str(n) for _, n in topic.weeks],
            PALETTE[i],
        )
        for i, topic in enumerate(shown)
    ]
    rows: list[tuple[str, list[Cell]]] = [
        (topic.topic, [(str(n), None) for _, n in topic.weeks]) for topic in shown
    ]
    return SuccessChart("gap-weeks", title, traces, weeks, rows)


@router.get("/knowledge/metrics", response_class=HTMLResponse)
def knowledge_metrics_page(
    request: Request,
    session: DbSession,
    viewer: CanRead,
    days: Annotated[int, Query(ge=7, le=366)] = 56,
) -> HTMLResponse:
    assert viewer.principal is not None
    workspace_id = viewer.principal.workspace_id
    end = datetime.now(UTC)
    start = end - timedelta(days=days)
    kpis = knowledge_kpis(session, workspace_id=workspace_id, start=start, end=end)
    topics = gap_topics(session, workspace_id=workspace_id, start=start, end=end)
    title = shell_of(request).translator(viewer.language)("Knowledge gaps per week")
    context = {
        "kpis": kpis,
        "topics": topics,
        "days": days,
        "chart": gap_chart(topics, title),
        "plotly_url": plotly_js_url(),
    }
    return render(request, "analytics/knowledge.html", context)


MESSAGES = catalogues_from_rows(
    (
        ("Knowledge metrics", "Metriche della knowledge base", "知识库指标", "Metrik pengetahuan"),
        (
            "The last {days} days.",
            "Ultimi {days} giorni.",
            "最近 {days} 天。",
            "{days} hari terakhir.",
        ),
        ("Deflection rate", "Tasso di deflessione", "自助解决率", "Tingkat defleksi"),
        (
            "{count} suggestion sessions",
            "{count} sessioni di suggerimenti",
            "{count} 次建议会话",
            "{count} sesi saran",
        ),
        (
            "Search success rate",
            "Ricerche riuscite",
            "搜索成功率",
            "Tingkat keberhasilan pencarian",
        ),
        (
            "{count} customer searches",
            "{count} ricerche dei clienti",
            "{count} 次客户搜索",
            "{count} pencarian pelanggan",
        ),
        (
            "Knowledge gaps per week",
            "Lacune di conoscenza per settimana",
            "每周知识缺口",
            "Kesenjangan pengetahuan per minggu",
        ),
        (
            "Knowledge gaps by topic",
            "Lacune di conoscenza per argomento",
            "按主题的知识缺口",
            "Kesenjangan pengetahuan per topik",
        ),
        ("Topic", "Argomento", "主题", "Topik"),
        (
            "Searches without an article",
            "Ricerche senza articolo",
            "未打开文章的搜索",
            "Pencarian tanpa artikel",
        ),
        ("Without results", "Senza risultati", "无结果", "Tanpa hasil"),
        ("Examples", "Esempi", "示例", "Contoh"),
        (
            "No knowledge gap in this period.",
            "Nessuna lacuna in questo periodo.",
            "此期间没有知识缺口。",
            "Tidak ada kesenjangan pengetahuan pada periode ini.",
        ),
        ("Article usefulness", "Utilità degli articoli", "文章有用性", "Kegunaan artikel"),
        ("Helpful", "Utile", "有帮助", "Membantu"),
        ("Not helpful", "Non utile", "没有帮助", "Tidak membantu"),
        ("Uses in replies", "Usi nelle risposte", "在回复中使用", "Dipakai dalam balasan"),
        (
            "No votes or uses in this period.",
            "Nessun voto o uso in questo periodo.",
            "此期间没有投票或使用。",
            "Tidak ada suara atau penggunaan pada periode ini.",
        ),
    )
)
