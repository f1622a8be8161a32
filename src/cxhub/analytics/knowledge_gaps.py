"""Knowledge gaps by topic and week: what customers looked for and did not find, grouped so
knowledge owners see *subjects* to write about rather than a long tail of phrasings.

A **gap search** is a customer search (help center or portal suggestion) in the period with no
article opened (`knowledge.knowledge_kpis` counts the same rows). Each distinct normalised query
gets a **topic**:

1. the first topic the text analytics taxonomy gives the query (`experience.text`, fast mode:
   the support intents of Bitext and BANKING77, e.g. `support/get_refund`, kind `taxonomy`);
2. otherwise (no topic reaches the model's threshold: not support-like, or not English) the
   **cluster** of queries sharing most of their words: greedy, most frequent query first, a
   query joins the first cluster whose first query has word-set Jaccard similarity ≥
   `CLUSTER_JACCARD` with it, and the cluster is named by that first query (kind `cluster`).

Per topic: gap searches, how many had no result at all, example queries (most frequent first)
and **weekly counts** (weeks start on Monday, UTC) over every week of the period, zeros included,
so a chart shows the trend. Topics are ordered by gap searches, then name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.knowledge.helpcenter.models import KnowledgeSearch

CUSTOMER_SOURCES = ("helpcenter", "suggest")
CLUSTER_JACCARD = 0.5
EXAMPLES = 3
#: Distinct gap queries classified per call (most frequent first); rarer ones share "other".
MAX_QUERIES = 2000
OTHER = "other"


@dataclass(frozen=True)
class GapTopic:
    topic: str
    kind: str  # taxonomy | cluster | other
    searches: int
    without_results: int
    examples: list[str]
    #: (Monday of the week, gap searches that week), every week of the period in order
    weeks: list[tuple[date, int]]


def week_of(moment: datetime) -> date:
    """The Monday (UTC date) of the week `moment` falls in."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def weeks_between(start: datetime, end: datetime) -> list[date]:
    """Mondays of every week overlapping `[start, end)`."""
    first, weeks = week_of(start), []
    last = week_of(end - timedelta(microseconds=1)) if end > start else first
    while first <= last:
        weeks.append(first)
        first += timedelta(days=7)
    return weeks


def cluster_queries(queries: Sequence[str]) -> dict[str, str]:
    """query -> the first query of its cluster; `queries` most frequent first (words are
    separated by spaces: they are normalised query keys)."""
    heads: list[tuple[str, frozenset[str]]] = []
    labels: dict[str, str] = {}
    for query in queries:
        words = frozenset(query.split())
        for head, head_words in heads:
            union = words | head_words
            if union and len(words & head_words) / len(union) >= CLUSTER_JACCARD:
                labels[query] = head
                break
        else:
            heads.append((query, words))
            labels[query] = query
    return labels


def taxonomy_topics(queries: Sequence[str]) -> list[str | None]:
    """The first taxonomy topic of each query (None below the model's threshold)."""
    from cxhub.experience.text.service import support_topics

    return support_topics(queries)


def group_gaps(
    rows: Sequence[tuple[str, str, datetime, int]],
    *,
    start: datetime,
    end: datetime,
    topics_of: Callable[[Sequence[str]], list[str | None]],
    top: int,
) -> list[GapTopic]:
    """Pure grouping of gap searches `(query_key, query, created_at, result_count)`."""
    frequency = Counter(key for key, _, _, _ in rows)
    ordered = [key for key, _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0]))]
    sample = {key: text for key, text, _, _ in rows}
    classified = ordered[:MAX_QUERIES]
    topic_by_key: dict[str, tuple[str, str]] = {}
    unlabelled = []
    found = topics_of([sample[key] or key for key in classified])
    for key, topic in zip(classified, found, strict=True):
        if topic is None:
            unlabelled.append(key)
        else:
            topic_by_key[key] = (topic, "taxonomy")
    for key, head in cluster_queries(unlabelled).items():
        topic_by_key[key] = (head, "cluster")
    weeks = weeks_between(start, end)
    totals: dict[tuple[str, str], list[int]] = {}
    per_week: dict[tuple[str, str], Counter[date]] = {}
    examples: dict[tuple[str, str], list[str]] = {}
    for key in ordered:
        group = topic_by_key.get(key, (OTHER, OTHER))
        examples.setdefault(group, [])
        if len(examples[group]) < EXAMPLES:
            examples[group].append(key)
    for key, _, created_at, result_count in rows:
        group = topic_by_key.get(key, (OTHER, OTHER))
        counts = totals.setdefault(group, [0, 0])
        counts[0] += 1
        counts[1] += int(result_count == 0)
        per_week.setdefault(group, Counter())[week_of(created_at)] += 1
    topics = [
        GapTopic(
            topic=name,
            kind=kind,
            searches=counts[0],
            without_results=counts[1],
            examples=examples[(name, kind)],
            weeks=[(week, per_week[(name, kind)].get(week, 0)) for week in weeks],
        )
        for (name, kind), counts in totals.items()
    ]
    topics.sort(key=lambda t: (-t.searches, t.topic))
    return topics[:top]


def gap_topics(
    session: Session,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    top: int = 20,
    topics_of: Callable[[Sequence[str]], list[str | None]] = taxonomy_topics,
) -> list[GapTopic]:
    """Knowledge gaps of `[start, end)` grouped by topic, with weekly counts."""
    rows = session.execute(
        select(
            KnowledgeSearch.query_key,
            KnowledgeSearch.query,
            KnowledgeSearch.created_at,
            KnowledgeSearch.result_count,
        ).where(
            KnowledgeSearch.workspace_id == workspace_id,
            KnowledgeSearch.created_at >= start,
            KnowledgeSearch.created_at < end,
            KnowledgeSearch.source.in_(CUSTOMER_SOURCES),
            KnowledgeSearch.opened_article_id.is_(None),
            KnowledgeSearch.query_key != "",
        )
    ).all()
    return group_gaps(
        [(str(k), str(q), c, int(n)) for k, q, c, n in rows],
        start=start,
        end=end,
        topics_of=topics_of,
        top=top,
    )
