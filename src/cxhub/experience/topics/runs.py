"""Running a discovery over a workspace's customer texts and storing what it found.

What a team did is kept: a discovered cluster whose signature is close (cosine >= `MATCH`) to
an existing named or ignored topic updates that topic (its name and state stay); other clusters
become new unnamed topics; unnamed topics of the previous run that nothing matched are removed.
Named or ignored topics that nothing matched stay and keep classifying new text. The texts of the
window are then re-assigned from the clustering (texts outside the window keep their topic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.experience.text.embeddings import accurate_available, embed
from cxhub.experience.text.service import workspace_mode
from cxhub.experience.topics.centroids import EMBEDDED, HASHED, Signature
from cxhub.experience.topics.corpus import CustomerText, customer_texts
from cxhub.experience.topics.discovery import DiscoveredTopic, DiscoveryParams, discover
from cxhub.experience.topics.models import Topic, TopicAssignment, TopicModel, TopicStatus

MATCH = 0.5
MAX_TEXTS = 200_000
INSERT_BATCH = 5_000


@dataclass(frozen=True)
class DiscoveryRun:
    texts: int
    topics: int
    created: int
    updated: int
    removed: int
    assigned: int
    k_scores: dict[str, dict[int, float]]


def _cosine(a: Signature, b: Signature) -> float:
    weights = dict(zip(a.indices, a.weights, strict=True))
    return float(sum(weights.get(i, 0.0) * w for i, w in zip(b.indices, b.weights, strict=True)))


def _match(found: list[DiscoveredTopic], kept: list[Topic]) -> dict[int, Topic]:
    """Greedy one-to-one matching of discovered clusters to kept topics, best pairs first."""
    pairs = sorted(
        (
            (_cosine(topic.signature, Signature.from_json(row.signature)), topic.index, row.id)
            for topic in found
            for row in kept
        ),
        reverse=True,
    )
    rows = {row.id: row for row in kept}
    matched: dict[int, Topic] = {}
    for score, index, row_id in pairs:
        if score < MATCH:
            break
        if index not in matched and row_id in rows:
            matched[index] = rows.pop(row_id)
    return matched


def run_discovery(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    params: DiscoveryParams | None = None,
    actor_user_id: int | None = None,
    max_texts: int = MAX_TEXTS,
) -> DiscoveryRun:
    if since >= until:
        raise ValidationFailed("since must be before until", field="since")
    params = params or DiscoveryParams()
    texts = customer_texts(
        session, workspace_id=workspace_id, since=since, until=until, limit=max_texts
    )
    embedded = workspace_mode(session) == "accurate" and accurate_available()
    found = discover(
        [t.text for t in texts],
        params=params,
        intents=[t.intent for t in texts],
        languages=[t.language for t in texts],
        embeddings=embed([t.text for t in texts]) if embedded and texts else None,
    )
    existing = list(session.scalars(select(Topic).where(Topic.workspace_id == workspace_id)))
    kept = [t for t in existing if t.status != TopicStatus.MERGED.value]
    team_made = [t for t in kept if t.name or t.status == TopicStatus.IGNORED.value]
    matched = _match(found.topics, team_made + [t for t in kept if t not in team_made])
    stale = [t for t in kept if t not in team_made and t not in matched.values()]

    rows: dict[int, Topic] = {}
    for topic in found.topics:
        row = matched.get(topic.index) or Topic(workspace_id=workspace_id)
        row.label = topic.label[:300]
        row.keywords = topic.keywords
        row.intent = topic.intent
        row.language = topic.language
        row.signature = topic.signature.as_json()
        row.size = topic.size
        row.updated_at = utcnow()
        session.add(row)
        rows[topic.index] = row
    session.flush()
    session.execute(
        delete(TopicAssignment)
        .where(
            TopicAssignment.workspace_id == workspace_id,
            TopicAssignment.written_at >= since,
            TopicAssignment.written_at < until,
        )
        .execution_options(synchronize_session=False)
    )
    stale_ids = [t.id for t in stale]
    if stale_ids:
        session.execute(
            delete(Topic)
            .where(Topic.workspace_id == workspace_id, Topic.id.in_(stale_ids))
            .execution_options(synchronize_session=False)
        )
    assigned = _assign(session, workspace_id, texts, found.assignments, found.scores, rows)
    model = session.scalar(select(TopicModel).where(TopicModel.workspace_id == workspace_id))
    if model is None:
        model = TopicModel(workspace_id=workspace_id)
        session.add(model)
    model.feature_kind = EMBEDDED if embedded and found.topics else HASHED
    model.idf = {str(k): v for k, v in found.idf.items()}
    model.default_idf = found.default_idf
    model.texts = len(texts)
    model.k = len(found.topics)
    model.seed = params.seed
    model.k_scores = {
        code: {str(k): v for k, v in scores.items()} for code, scores in found.k_scores.items()
    }
    model.discovered_at = utcnow()
    session.flush()
    run = DiscoveryRun(
        texts=len(texts),
        topics=len(found.topics),
        created=len(found.topics) - len(matched),
        updated=len(matched),
        removed=len(stale),
        assigned=assigned,
        k_scores=found.k_scores,
    )
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="topics.discovered",
        target_type="topic_model",
        target_id=model.id,
        detail={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "texts": run.texts,
            "topics": run.topics,
            "created": run.created,
            "removed": run.removed,
        },
    )
    return run


def _assign(
    session: Session,
    workspace_id: int,
    texts: list[CustomerText],
    assignments: np.ndarray,
    scores: np.ndarray,
    rows: dict[int, Topic],
) -> int:
    batch: list[dict[str, object]] = []
    assigned = 0
    for text, index, score in zip(texts, assignments.tolist(), scores.tolist(), strict=True):
        if index < 0:
            continue
        batch.append(
            {
                "workspace_id": workspace_id,
                "topic_id": rows[index].id,
                "source_type": text.source_type,
                "source_id": text.source_id,
                "ticket_id": text.ticket_id,
                "contact_id": text.contact_id,
                "account_id": text.account_id,
                "score": float(score),
                "written_at": text.written_at,
            }
        )
        if len(batch) >= INSERT_BATCH:
            session.execute(insert(TopicAssignment), batch)
            assigned += len(batch)
            batch = []
    if batch:
        session.execute(insert(TopicAssignment), batch)
        assigned += len(batch)
    return assigned
