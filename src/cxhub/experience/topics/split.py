"""Splitting a topic that holds two issues (docs/topics.md, "Split a topic").

Two ways, both on the texts assigned to the topic:

- **re-cluster** into `k` sub-topics: k-means on the texts' TF-IDF vectors. The largest cluster
  stays in the topic (its id, name and status, so links and reports keep working); each other
  cluster becomes a new unnamed topic;
- **move** chosen texts (by source) to one new topic, optionally named at once.

Every topic involved gets a signature recomputed from its texts, weighted with the workspace
model's IDF exactly as the classifier weighs a new text (`centroids.TopicClassifier`), so future
texts are classified into the new topics. In the accurate mode the signatures also carry the
mean e5 embedding of their texts. Services never commit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from cxhub.core.db import utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.experience.topics.centroids import EMBEDDED, Signature, signature_of
from cxhub.experience.topics.corpus import CustomerText, texts_of
from cxhub.experience.topics.features import N_FEATURES, term_counts
from cxhub.experience.topics.labels import cluster_keywords, label_of
from cxhub.experience.topics.models import Topic, TopicAssignment, TopicModel, TopicStatus
from cxhub.experience.topics.service import MAX_NAME, get_topic, record_topic_audit, topic_model

MAX_K = 10
MAX_MOVED = 1_000
#: Re-clustering reads at most this many of the topic's texts (the most recent).
MAX_SPLIT_TEXTS = 20_000
SPLIT_SEED = 7


@dataclass(frozen=True)
class SplitResult:
    """The topic that was split (kept, now holding what stayed) and the topics made from it."""

    kept: Topic
    created: list[Topic]
    texts_moved: int


def _idf(model: TopicModel) -> np.ndarray:
    idf = np.full(N_FEATURES, model.default_idf, dtype=np.float64)
    if model.idf:
        idf[[int(k) for k in model.idf]] = [float(v) for v in model.idf.values()]
    return idf


def _vectors(texts: Sequence[str], idf: np.ndarray) -> sparse.csr_matrix:
    """TF-IDF rows, L2-normalised, weighted as the classifier weighs a new text."""
    weighted = sparse.csr_matrix(term_counts(texts) @ sparse.diags(idf), dtype=np.float64)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weighted)


def _signature(
    model: TopicModel, vectors: sparse.csr_matrix, texts: Sequence[str], rows: np.ndarray
) -> Signature:
    centroid = np.asarray(vectors[rows].mean(axis=0)).ravel()
    signature = signature_of(centroid)
    if model.feature_kind != EMBEDDED:
        return signature
    from cxhub.experience.text.embeddings import embed

    mean = np.asarray(embed([texts[i] for i in rows]), dtype=np.float64).mean(axis=0)
    mean /= float(np.linalg.norm(mean)) or 1.0
    return replace(signature, embedding=tuple(round(float(x), 5) for x in mean))


def _topic_texts(
    session: Session, workspace_id: int, topic_id: int, limit: int
) -> list[CustomerText]:
    rows = session.execute(
        select(TopicAssignment.source_type, TopicAssignment.source_id)
        .where(TopicAssignment.workspace_id == workspace_id, TopicAssignment.topic_id == topic_id)
        .order_by(TopicAssignment.written_at.desc(), TopicAssignment.id.desc())
        .limit(limit)
    )
    sources = [(str(source_type), int(source_id)) for source_type, source_id in rows]
    return texts_of(session, workspace_id=workspace_id, sources=sources)


def _prepare(session: Session, workspace_id: int, topic_id: int) -> tuple[Topic, TopicModel]:
    topic = get_topic(session, workspace_id=workspace_id, topic_id=topic_id)
    if topic.status == TopicStatus.MERGED.value:
        raise ValidationFailed("a merged topic cannot be split", field="topic_id")
    model = topic_model(session, workspace_id=workspace_id)
    if model is None:  # a topic exists only after a discovery, so this is a broken workspace
        raise ValidationFailed("run a topic discovery first", field="topic_id")
    return topic, model


def _new_topic(source: Topic, **fields: object) -> Topic:
    return Topic(
        workspace_id=source.workspace_id,
        intent=source.intent,
        language=source.language,
        status=TopicStatus.ACTIVE.value,
        **fields,
    )


def _move(session: Session, workspace_id: int, texts: Sequence[CustomerText], topic: Topic) -> int:
    moved = 0
    for source_type in {t.source_type for t in texts}:
        ids = [t.source_id for t in texts if t.source_type == source_type]
        for start in range(0, len(ids), 500):
            result = session.execute(
                update(TopicAssignment)
                .where(
                    TopicAssignment.workspace_id == workspace_id,
                    TopicAssignment.source_type == source_type,
                    TopicAssignment.source_id.in_(ids[start : start + 500]),
                )
                .values(topic_id=topic.id)
                .execution_options(synchronize_session=False)
            )
            moved += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return moved


def recluster_topic(
    session: Session,
    *,
    workspace_id: int,
    topic_id: int,
    k: int,
    actor_user_id: int | None,
    seed: int = SPLIT_SEED,
) -> SplitResult:
    """Split the topic's texts into `k` (2..MAX_K) sub-topics by k-means (seeded)."""
    if not 2 <= k <= MAX_K:
        raise ValidationFailed(f"k is 2-{MAX_K}", field="k")
    topic, model = _prepare(session, workspace_id, topic_id)
    texts = _topic_texts(session, workspace_id, topic.id, MAX_SPLIT_TEXTS)
    if len(texts) < 2 * k:
        raise ValidationFailed(
            f"the topic has {len(texts)} texts: at least {2 * k} are needed for {k} sub-topics",
            field="k",
        )
    words = [t.text for t in texts]
    vectors = _vectors(words, _idf(model))
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # duplicate texts make k-means warn that it found fewer groups: handled just below
        warnings.simplefilter("ignore", ConvergenceWarning)
        clusters = KMeans(n_clusters=k, random_state=seed, n_init=4).fit_predict(vectors)
    sizes = np.bincount(clusters, minlength=k)
    order = [int(c) for c in np.argsort(-sizes, kind="stable") if sizes[c] > 0]
    if len(order) < 2:  # identical texts: k-means finds one group however large k is
        raise ValidationFailed("the topic's texts are too alike to split", field="k")
    keywords = cluster_keywords(words, clusters, k)
    created: list[Topic] = []
    moved = 0
    for rank, cluster in enumerate(order):
        rows = np.where(clusters == cluster)[0]
        signature = _signature(model, vectors, words, rows).as_json()
        if rank == 0:  # the largest part stays in the topic
            topic.signature, topic.size = signature, int(rows.size)
            topic.keywords, topic.label = keywords[cluster], label_of(keywords[cluster])[:300]
            topic.updated_at = utcnow()
            continue
        part = _new_topic(
            topic,
            label=label_of(keywords[cluster])[:300],
            keywords=keywords[cluster],
            signature=signature,
            size=int(rows.size),
        )
        session.add(part)
        session.flush()
        moved += _move(session, workspace_id, [texts[i] for i in rows], part)
        created.append(part)
    session.flush()
    record_topic_audit(
        session,
        topic,
        "topic.split",
        actor_user_id,
        {
            "mode": "recluster",
            "k": k,
            "new_topic_ids": [t.id for t in created],
            "texts_moved": moved,
        },
    )
    return SplitResult(topic, created, moved)


def move_texts(
    session: Session,
    *,
    workspace_id: int,
    topic_id: int,
    sources: Sequence[tuple[str, int]],
    name: str | None,
    actor_user_id: int | None,
) -> SplitResult:
    """Move the topic's texts named by `(source_type, source_id)` (the API's `texts`) to a new topic (named `name`
    when given). Texts not in the topic are a 422, and so is moving all of them (a rename)."""
    if not sources:
        raise ValidationFailed("choose at least one text to move", field="texts")
    if len(sources) > MAX_MOVED:
        raise ValidationFailed(f"at most {MAX_MOVED} texts at once", field="texts")
    cleaned = None if name is None else " ".join(name.split())
    if cleaned is not None and not 0 < len(cleaned) <= MAX_NAME:
        raise ValidationFailed(f"name is 1-{MAX_NAME} characters", field="name")
    topic, model = _prepare(session, workspace_id, topic_id)
    texts = _topic_texts(session, workspace_id, topic.id, MAX_SPLIT_TEXTS)
    chosen = set(sources)
    known = {(t.source_type, t.source_id) for t in texts}
    missing = sorted(chosen - known)
    if missing:
        raise ValidationFailed(
            f"{len(missing)} of the chosen texts are not in this topic, e.g. {missing[0][0]} "
            f"{missing[0][1]}",
            field="texts",
        )
    if len(chosen) == len(texts):
        raise ValidationFailed(
            "moving every text is a rename: leave at least one in the topic", field="texts"
        )
    words = [t.text for t in texts]
    vectors = _vectors(words, _idf(model))
    flags = np.asarray([(t.source_type, t.source_id) in chosen for t in texts])
    parts = {True: np.where(flags)[0], False: np.where(~flags)[0]}
    keywords = cluster_keywords(words, flags.astype(int), 2)
    new = _new_topic(
        topic,
        name=cleaned,
        label=label_of(keywords[1])[:300],
        keywords=keywords[1],
        signature=_signature(model, vectors, words, parts[True]).as_json(),
        size=int(parts[True].size),
    )
    session.add(new)
    session.flush()
    moved = _move(session, workspace_id, [texts[i] for i in parts[True]], new)
    topic.signature = _signature(model, vectors, words, parts[False]).as_json()
    topic.size = int(parts[False].size)
    topic.keywords, topic.label = keywords[0], label_of(keywords[0])[:300]
    topic.updated_at = utcnow()
    session.flush()
    record_topic_audit(
        session,
        topic,
        "topic.split",
        actor_user_id,
        {"mode": "move", "new_topic_ids": [new.id], "texts_moved": moved},
    )
    return SplitResult(topic, [new], moved)
