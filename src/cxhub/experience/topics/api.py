"""Topic routes: discover (a job), list and read topics, name / ignore / merge / split them, classify
text into them, and the examples behind a topic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query, status

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.jobs import enqueue
from cxhub.core.permissions import Permission
from cxhub.experience.topics import service, split
from cxhub.experience.topics.report import topic_examples as topic_examples_of
from cxhub.experience.topics.schemas import (
    MAX_TEXT_CHARS,
    ClassificationOut,
    ClassifyIn,
    DiscoverIn,
    ExampleOut,
    TopicMergeIn,
    TopicOut,
    TopicSplitIn,
    TopicSplitOut,
    TopicUpdate,
)
from cxhub.experience.topics.tasks import DISCOVER

router = APIRouter(route_class=TransactionalRoute, tags=["topics"], prefix="/topics")

Days = Query(30, ge=1, le=730, description="Window: the last `days` days.")


def window(days: int) -> tuple[datetime, datetime]:
    until = datetime.now(UTC)
    return until - timedelta(days=days), until


@router.post("/discover", status_code=status.HTTP_202_ACCEPTED)
def discover_topics(
    data: DiscoverIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> dict[str, bool]:
    """Queue a discovery over the last `days` days of customer texts (runs after the commit;
    named and ignored topics are kept, see docs/topics.md)."""
    enqueue(
        session,
        DISCOVER,
        workspace_id=principal.workspace_id,
        payload={
            "workspace_id": principal.workspace_id,
            "days": data.days,
            "k": data.k,
            "seed": data.seed,
            "actor_user_id": principal.user_id,
        },
    )
    return {"queued": True}


@router.post("/classify", response_model=list[ClassificationOut])
def classify(
    data: ClassifyIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_READ),
) -> list[ClassificationOut]:
    """The nearest topic of 1-100 texts (nothing is stored)."""
    for index, text in enumerate(data.texts):
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(
                f"texts[{index}] is longer than {MAX_TEXT_CHARS} characters", field="texts"
            )
    answers = service.classify_texts(session, workspace_id=principal.workspace_id, texts=data.texts)
    return [
        ClassificationOut(
            topic_id=topic.id if topic else None,
            topic=topic.display_name if topic else None,
            score=score,
        )
        for topic, score in answers
    ]


@router.get("", response_model=list[TopicOut])
def list_topics(
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_READ),
    days: int = Days,
    include_merged: bool = False,
) -> list[TopicOut]:
    """The workspace's topics, largest first, with their texts in the window."""
    since, until = window(days)
    counts = service.topic_counts(
        session, workspace_id=principal.workspace_id, since=since, until=until
    )
    topics = service.list_topics(
        session, workspace_id=principal.workspace_id, include_merged=include_merged
    )
    return [TopicOut.of(t, counts.get(t.id, 0)) for t in topics]


@router.get("/{topic_id}", response_model=TopicOut)
def get_topic(
    topic_id: int, session: DbSession, principal: Principal = require(Permission.INTERACTIONS_READ)
) -> TopicOut:
    return TopicOut.of(
        service.get_topic(session, workspace_id=principal.workspace_id, topic_id=topic_id)
    )


@router.patch("/{topic_id}", response_model=TopicOut)
def update_topic(
    topic_id: int,
    data: TopicUpdate,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> TopicOut:
    """Name a topic (`clear_name` goes back to the automatic label) or ignore / restore it."""
    topic = service.update_topic(
        session,
        workspace_id=principal.workspace_id,
        topic_id=topic_id,
        name=data.name,
        clear_name=data.clear_name,
        status=data.status,
        actor_user_id=principal.user_id,
    )
    return TopicOut.of(topic)


@router.post("/{topic_id}/merge", response_model=TopicOut)
def merge_topic(
    topic_id: int,
    data: TopicMergeIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> TopicOut:
    """Merge this topic into `into_topic_id`; answers the surviving topic."""
    survivor = service.merge_topics(
        session,
        workspace_id=principal.workspace_id,
        topic_id=topic_id,
        into_topic_id=data.into_topic_id,
        actor_user_id=principal.user_id,
    )
    return TopicOut.of(survivor)


@router.post("/{topic_id}/split", response_model=TopicSplitOut)
def split_topic(
    topic_id: int,
    data: TopicSplitIn,
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> TopicSplitOut:
    """Split a topic: `k` re-clusters its texts into k sub-topics (the largest part stays in
    this topic), or `texts` move to one new topic. New topics get signatures, so new texts are
    classified into them (docs/topics.md)."""
    if data.k is not None:
        result = split.recluster_topic(
            session,
            workspace_id=principal.workspace_id,
            topic_id=topic_id,
            k=data.k,
            actor_user_id=principal.user_id,
        )
    else:
        result = split.move_texts(
            session,
            workspace_id=principal.workspace_id,
            topic_id=topic_id,
            sources=[(t.source_type, t.source_id) for t in data.texts or []],
            name=data.name,
            actor_user_id=principal.user_id,
        )
    return TopicSplitOut(
        topic=TopicOut.of(result.kept),
        created=[TopicOut.of(t) for t in result.created],
        texts_moved=result.texts_moved,
    )


@router.get("/{topic_id}/examples", response_model=list[ExampleOut])
def topic_examples(
    topic_id: int,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_READ),
    days: int = Days,
    limit: int = Query(5, ge=1, le=20),
) -> list[ExampleOut]:
    """Customer texts nearest the topic's centre, one per ticket (quotes customers: tickets
    permission)."""
    topic = service.get_topic(session, workspace_id=principal.workspace_id, topic_id=topic_id)
    since, until = window(days)
    return [
        ExampleOut.of(e)
        for e in topic_examples_of(
            session,
            workspace_id=principal.workspace_id,
            topic_id=topic.id,
            since=since,
            until=until,
            limit=limit,
        )
    ]
