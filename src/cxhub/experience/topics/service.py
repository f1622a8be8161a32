"""Topic use cases: list and read topics, name, ignore or merge them, classify text into them.

Services never commit (the request or job edge does). Every query names its workspace as well as
relying on the session's tenancy filter, so jobs and the CLI read the same rows as requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.experience.topics.centroids import Signature, TopicClassifier, merge_signatures
from cxhub.experience.topics.corpus import CustomerText, text_of
from cxhub.experience.topics.models import Topic, TopicAssignment, TopicModel, TopicStatus

CLASSIFIED_STATUSES = (TopicStatus.ACTIVE.value, TopicStatus.IGNORED.value)
MAX_NAME = 200


def get_topic(session: Session, *, workspace_id: int, topic_id: int) -> Topic:
    topic = session.scalar(
        select(Topic).where(Topic.workspace_id == workspace_id, Topic.id == topic_id)
    )
    if topic is None:
        raise NotFound(f"topic {topic_id} not found")
    return topic


def list_topics(
    session: Session, *, workspace_id: int, include_merged: bool = False
) -> list[Topic]:
    statement = select(Topic).where(Topic.workspace_id == workspace_id)
    if not include_merged:
        statement = statement.where(Topic.status != TopicStatus.MERGED.value)
    return list(session.scalars(statement.order_by(Topic.size.desc(), Topic.id)))


def topic_model(session: Session, *, workspace_id: int) -> TopicModel | None:
    return session.scalar(select(TopicModel).where(TopicModel.workspace_id == workspace_id))


def record_topic_audit(
    session: Session,
    topic: Topic,
    action: str,
    actor_user_id: int | None,
    detail: dict[str, object],
) -> None:
    record_audit(
        session,
        workspace_id=topic.workspace_id,
        actor_user_id=actor_user_id,
        action=action,
        target_type="topic",
        target_id=topic.id,
        detail=detail,
    )


def update_topic(
    session: Session,
    *,
    workspace_id: int,
    topic_id: int,
    name: str | None = None,
    clear_name: bool = False,
    status: str | None = None,
    actor_user_id: int | None,
) -> Topic:
    """Name a topic (or clear its name), or set it active / ignored."""
    topic = get_topic(session, workspace_id=workspace_id, topic_id=topic_id)
    if topic.status == TopicStatus.MERGED.value:
        raise ValidationFailed("a merged topic cannot be changed", field="topic_id")
    before = {"name": topic.name, "status": topic.status}
    if name is not None:
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > MAX_NAME:
            raise ValidationFailed(f"name is 1-{MAX_NAME} characters", field="name")
        topic.name = cleaned
    elif clear_name:
        topic.name = None
    if status is not None:
        if status not in CLASSIFIED_STATUSES:
            raise ValidationFailed("status is active or ignored", field="status")
        topic.status = status
    session.flush()
    record_topic_audit(
        session,
        topic,
        "topic.updated",
        actor_user_id,
        {"before": before, "after": {"name": topic.name, "status": topic.status}},
    )
    return topic


def merge_topics(
    session: Session,
    *,
    workspace_id: int,
    topic_id: int,
    into_topic_id: int,
    actor_user_id: int | None,
) -> Topic:
    """Merge `topic_id` into `into_topic_id`: its texts move, the signatures are averaged by
    size, and the merged topic stays as a tombstone pointing at the survivor."""
    if topic_id == into_topic_id:
        raise ValidationFailed("a topic cannot be merged into itself", field="into_topic_id")
    source = get_topic(session, workspace_id=workspace_id, topic_id=topic_id)
    target = get_topic(session, workspace_id=workspace_id, topic_id=into_topic_id)
    for topic, field in ((source, "topic_id"), (target, "into_topic_id")):
        if topic.status == TopicStatus.MERGED.value:
            raise ValidationFailed("that topic was already merged", field=field)
    target.signature = merge_signatures(
        Signature.from_json(target.signature),
        target.size,
        Signature.from_json(source.signature),
        source.size,
    ).as_json()
    target.size += source.size
    target.keywords = list(dict.fromkeys([*target.keywords, *source.keywords]))[:10]
    moved = session.execute(
        update(TopicAssignment)
        .where(TopicAssignment.workspace_id == workspace_id, TopicAssignment.topic_id == source.id)
        .values(topic_id=target.id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Topic)
        .where(Topic.workspace_id == workspace_id, Topic.merged_into_id == source.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.status = TopicStatus.MERGED.value
    source.merged_into_id = target.id
    source.size = 0
    session.flush()
    texts_moved = int(moved.rowcount or 0)  # type: ignore[attr-defined]
    record_topic_audit(
        session,
        source,
        "topic.merged",
        actor_user_id,
        {"into_topic_id": target.id, "texts_moved": texts_moved},
    )
    return target


def classifier(session: Session, *, workspace_id: int) -> TopicClassifier | None:
    """The workspace's classifier over its active and ignored topics (None before discovery)."""
    model = topic_model(session, workspace_id=workspace_id)
    if model is None:
        return None
    topics = list(
        session.scalars(
            select(Topic)
            .where(Topic.workspace_id == workspace_id, Topic.status.in_(CLASSIFIED_STATUSES))
            .order_by(Topic.id)
        )
    )
    return TopicClassifier(
        topic_ids=tuple(t.id for t in topics),
        signatures=tuple(Signature.from_json(t.signature) for t in topics),
        idf={int(k): float(v) for k, v in model.idf.items()},
        default_idf=model.default_idf,
        feature_kind=model.feature_kind,
    )


def classify_texts(
    session: Session, *, workspace_id: int, texts: Sequence[str]
) -> list[tuple[Topic | None, float]]:
    """The nearest topic of each text (None below the score floor or before discovery)."""
    model = classifier(session, workspace_id=workspace_id)
    if model is None:
        return [(None, 0.0) for _ in texts]
    topics = {t.id: t for t in list_topics(session, workspace_id=workspace_id)}
    return [
        (topics.get(topic_id) if topic_id is not None else None, score)
        for topic_id, score in model.classify(texts)
    ]


@dataclass(frozen=True)
class Classification:
    """A stored customer text's nearest topic (`topic_id` None: none is near), whether the text
    has an assignment already, and what the classification read (the model's discovery and the
    topics' last change): what `store_classification` writes, computed beforehand."""

    workspace_id: int
    source_type: str
    text: CustomerText
    topic_id: int | None
    score: float
    assigned: bool
    inputs: tuple[object, ...]

    @property
    def changes_anything(self) -> bool:
        return self.topic_id is not None or self.assigned


def _classifier_inputs(session: Session, workspace_id: int) -> tuple[object, ...]:
    """What a classification depends on besides the text: a discovery replaces the model, a
    merge, rename or ignore changes a topic's `updated_at`."""
    discovered = session.scalar(
        select(TopicModel.discovered_at).where(TopicModel.workspace_id == workspace_id)
    )
    changed, count = session.execute(
        select(func.max(Topic.updated_at), func.count(Topic.id)).where(
            Topic.workspace_id == workspace_id
        )
    ).one()
    return discovered, changed, count


def classify_source(
    session: Session, *, workspace_id: int, source_type: str, source_id: int
) -> Classification | None:
    """Classify one stored customer text (a new message or CSAT comment), reading only; None
    when it is not a customer's text or the workspace has no topics yet. The job runs this in a
    read-only session and stores the result only when it changes anything, so on SQLite the
    write lock is taken by few of these jobs and for a short while (ADR 0035)."""
    text = text_of(session, workspace_id=workspace_id, source_type=source_type, source_id=source_id)
    model = classifier(session, workspace_id=workspace_id) if text is not None else None
    if text is None or model is None:
        return None
    [(topic_id, score)] = model.classify([text.text])
    return Classification(
        workspace_id=workspace_id,
        source_type=source_type,
        text=text,
        topic_id=topic_id,
        score=score,
        assigned=_assignment(session, workspace_id, source_type, text.source_id) is not None,
        inputs=_classifier_inputs(session, workspace_id),
    )


def _assignment(
    session: Session, workspace_id: int, source_type: str, source_id: int
) -> TopicAssignment | None:
    return session.scalar(
        select(TopicAssignment).where(
            TopicAssignment.workspace_id == workspace_id,
            TopicAssignment.source_type == source_type,
            TopicAssignment.source_id == source_id,
        )
    )


def store_classification(session: Session, found: Classification) -> TopicAssignment | None:
    """Record (or, when no topic is near any more, remove) a text's topic assignment. When the
    topics or the text changed after `found` was read (a discovery, a merge, a re-rated
    comment), the text is classified again here, under the write transaction."""
    if (
        found.inputs != _classifier_inputs(session, found.workspace_id)
        or text_of(
            session,
            workspace_id=found.workspace_id,
            source_type=found.source_type,
            source_id=found.text.source_id,
        )
        != found.text
    ):
        again = classify_source(
            session,
            workspace_id=found.workspace_id,
            source_type=found.source_type,
            source_id=found.text.source_id,
        )
        if again is None:
            return None
        found = again
    text = found.text
    existing = _assignment(session, found.workspace_id, found.source_type, text.source_id)
    if found.topic_id is None:
        if existing is not None:
            session.delete(existing)
            session.flush()
        return None
    row = existing or TopicAssignment(
        workspace_id=found.workspace_id, source_type=found.source_type, source_id=text.source_id
    )
    row.topic_id = found.topic_id
    row.ticket_id = text.ticket_id
    row.contact_id = text.contact_id
    row.account_id = text.account_id
    row.score = found.score
    row.written_at = text.written_at
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent job classified the same text
        return None
    return row


def topic_counts(
    session: Session, *, workspace_id: int, since: datetime, until: datetime
) -> dict[int, int]:
    """Customer texts per topic written in [since, until)."""
    rows = session.execute(
        select(TopicAssignment.topic_id, func.count())
        .where(
            TopicAssignment.workspace_id == workspace_id,
            TopicAssignment.written_at >= since,
            TopicAssignment.written_at < until,
        )
        .group_by(TopicAssignment.topic_id)
    )
    return {int(topic_id): int(count) for topic_id, count in rows}


def export_for_contact(session: Session, *, contact_id: int) -> list[TopicAssignment]:
    """Every topic assignment of the contact's texts, oldest first (subject-access export)."""
    return list(
        session.scalars(
            select(TopicAssignment)
            .where(TopicAssignment.contact_id == contact_id)
            .order_by(TopicAssignment.written_at, TopicAssignment.id)
        )
    )
