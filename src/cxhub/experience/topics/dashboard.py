"""The CX dashboard's discovered-topics section: the topics with the most negative texts in the
period and the topics trending now (a spike against their own baseline), from the functions
behind `GET /api/v1/topics/recurring-issues` and `/topics/trending` (docs/topics.md)."""

from __future__ import annotations

from typing import Any

from cxhub.experience.connected.sections import SectionRequest
from cxhub.experience.topics.report import top_negative_topics, topic_trends

TRENDING_SHOWN = 5


def discovered_topics_section(request: SectionRequest) -> dict[str, Any]:
    negative = top_negative_topics(
        request.session,
        workspace_id=request.workspace_id,
        since=request.since,
        until=request.until,
    )
    trending = [
        t
        for t in topic_trends(
            request.session, workspace_id=request.workspace_id, until=request.until
        )
        if t.spike.trending
    ][:TRENDING_SHOWN]
    return {"negative": negative, "trending": trending}
