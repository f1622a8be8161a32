"""Knowledge base measures, one definition for the API and the pages (docs/metrics.md).

Over a period `[start, end)` of search creation times:

- **deflection rate** = suggestion sessions (`source = suggest`: the portal's suggestions while
  a customer types a ticket) in which an article was opened and no ticket was submitted,
  ÷ all suggestion sessions, in percent;
- **search success rate** = customer searches (help center and suggestions) from which an
  article was opened ÷ customer searches, in percent;
- **knowledge gaps** = customer searches with no result or with no article opened, grouped by
  normalised query (`helpcenter.service.normalise_query`), most frequent first, with how many
  of them had no result at all;
- **article usefulness** = per article: helpful and not-helpful votes cast in the period and
  uses in agent replies recorded in the period; ordered by helpful votes + uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cxhub.analytics.formulas import percent
from cxhub.knowledge.assist.models import ArticleUse
from cxhub.knowledge.helpcenter.models import ArticleVote, KnowledgeSearch

CUSTOMER_SOURCES = ("helpcenter", "suggest")


@dataclass(frozen=True)
class KnowledgeGap:
    query: str
    searches: int
    without_results: int


@dataclass(frozen=True)
class ArticleUsefulness:
    article_id: int
    helpful_votes: int
    unhelpful_votes: int
    uses_in_replies: int


@dataclass(frozen=True)
class KnowledgeKpis:
    suggestion_sessions: int
    deflected_sessions: int
    deflection_rate: float | None
    customer_searches: int
    successful_searches: int
    search_success_rate: float | None
    gaps: list[KnowledgeGap]
    articles: list[ArticleUsefulness]


def knowledge_kpis(
    session: Session, *, workspace_id: int, start: datetime, end: datetime, top: int = 20
) -> KnowledgeKpis:
    in_period = (
        KnowledgeSearch.workspace_id == workspace_id,
        KnowledgeSearch.created_at >= start,
        KnowledgeSearch.created_at < end,
    )
    opened = KnowledgeSearch.opened_article_id.is_not(None)
    suggest = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(
                    case((opened & KnowledgeSearch.ticket_submitted_at.is_(None), 1), else_=0)
                ),
                0,
            ),
        ).where(*in_period, KnowledgeSearch.source == "suggest")
    ).one()
    customer = session.execute(
        select(func.count(), func.coalesce(func.sum(case((opened, 1), else_=0)), 0)).where(
            *in_period, KnowledgeSearch.source.in_(CUSTOMER_SOURCES)
        )
    ).one()
    no_result = case((KnowledgeSearch.result_count == 0, 1), else_=0)
    gap_rows = session.execute(
        select(KnowledgeSearch.query_key, func.count(), func.sum(no_result))
        .where(
            *in_period,
            KnowledgeSearch.source.in_(CUSTOMER_SOURCES),
            ~opened,
            KnowledgeSearch.query_key != "",
        )
        .group_by(KnowledgeSearch.query_key)
        .order_by(func.count().desc(), KnowledgeSearch.query_key)
        .limit(top)
    ).all()
    votes = session.execute(
        select(
            ArticleVote.article_id,
            func.sum(case((ArticleVote.helpful.is_(True), 1), else_=0)),
            func.sum(case((ArticleVote.helpful.is_(False), 1), else_=0)),
        )
        .where(
            ArticleVote.workspace_id == workspace_id,
            ArticleVote.created_at >= start,
            ArticleVote.created_at < end,
        )
        .group_by(ArticleVote.article_id)
    ).all()
    uses = dict(
        session.execute(
            select(ArticleUse.article_id, func.count())
            .where(
                ArticleUse.workspace_id == workspace_id,
                ArticleUse.created_at >= start,
                ArticleUse.created_at < end,
            )
            .group_by(ArticleUse.article_id)
        ).all()
    )
    by_article: dict[int, list[int]] = {}
    for article_id, helpful, unhelpful in votes:
        by_article[int(article_id)] = [int(helpful or 0), int(unhelpful or 0), 0]
    for article_id, count in uses.items():
        by_article.setdefault(int(article_id), [0, 0, 0])[2] = int(count)
    articles = sorted(
        (ArticleUsefulness(a, h, u, n) for a, (h, u, n) in by_article.items()),
        key=lambda row: (-(row.helpful_votes + row.uses_in_replies), row.article_id),
    )[:top]
    sessions, deflected = int(suggest[0]), int(suggest[1])
    searches, successful = int(customer[0]), int(customer[1])
    return KnowledgeKpis(
        suggestion_sessions=sessions,
        deflected_sessions=deflected,
        deflection_rate=percent(deflected, sessions),
        customer_searches=searches,
        successful_searches=successful,
        search_success_rate=percent(successful, searches),
        gaps=[KnowledgeGap(str(q), int(c), int(n or 0)) for q, c, n in gap_rows],
        articles=articles,
    )
