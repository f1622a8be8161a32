"""Nearest-centroid classification into a workspace's topics, from numbers only.

Each topic keeps a *signature*: its centroid in the hashed TF-IDF space (`features.py`) cut to
the `SIGNATURE_SIZE` heaviest features and L2-normalised. The model keeps the IDF of the
features some signature uses, and one `default_idf` (the mean IDF of a feature occurrence in the
discovery corpus) for every other feature. A text's score for a topic is the cosine between its
TF-IDF vector and the signature; IDFs outside the signatures only scale the text's norm, so the
ranking of topics is exact and the score an approximation of the full cosine.

Merging two topics averages their signatures by size; everything is JSON-serialisable numbers,
stored in the database per workspace (no file, no vocabulary, no customer words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse

from cxhub.experience.topics.features import N_FEATURES, term_counts

SIGNATURE_SIZE = 400
#: Below this cosine a new text is left without a topic rather than forced into the nearest.
MIN_SCORE = 0.12
#: The same floor between e5 embeddings (their cosines are high for any two sentences).
EMBEDDING_MIN_SCORE = 0.8
HASHED = "hashed-v1"
EMBEDDED = "e5-v1"


@dataclass(frozen=True)
class Signature:
    indices: tuple[int, ...]
    weights: tuple[float, ...]
    #: the mean e5 embedding of the members (accurate mode only), L2-normalised
    embedding: tuple[float, ...] | None = None

    def as_json(self) -> dict[str, list[Any]]:
        data: dict[str, list[Any]] = {
            "i": list(self.indices),
            "w": [round(w, 6) for w in self.weights],
        }
        if self.embedding is not None:
            data["e"] = list(self.embedding)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        embedding = tuple(float(x) for x in data["e"]) if data.get("e") else None
        return cls(tuple(int(i) for i in data["i"]), tuple(float(w) for w in data["w"]), embedding)


def signature_of(centroid: np.ndarray, *, size: int = SIGNATURE_SIZE) -> Signature:
    """The `size` heaviest features of a dense centroid, normalised."""
    top = np.argsort(-centroid, kind="stable")[:size]
    top = top[centroid[top] > 0]
    weights = centroid[top].astype(np.float64)
    norm = float(np.linalg.norm(weights)) or 1.0
    order = np.argsort(top)
    return Signature(
        tuple(int(i) for i in top[order]), tuple(float(w) for w in weights[order] / norm)
    )


def merge_signatures(
    first: Signature, first_size: int, second: Signature, second_size: int
) -> Signature:
    """The signature of the union of two topics: the size-weighted mean, re-cut and normalised."""
    dense = np.zeros(N_FEATURES, dtype=np.float64)
    total = max(first_size + second_size, 1)
    for signature, size in ((first, first_size), (second, second_size)):
        dense[list(signature.indices)] += np.asarray(signature.weights) * (max(size, 0) / total)
    embedding = None
    if first.embedding is not None and second.embedding is not None:
        mean = (np.asarray(first.embedding) * max(first_size, 0)
                + np.asarray(second.embedding) * max(second_size, 0)) / total  # fmt: skip
        mean /= float(np.linalg.norm(mean)) or 1.0
        embedding = tuple(round(float(x), 5) for x in mean)
    return replace(signature_of(dense), embedding=embedding)


@dataclass(frozen=True)
class TopicClassifier:
    """Signatures of the topics (in `topic_ids` order) and the IDF they are compared with."""

    topic_ids: tuple[int, ...]
    signatures: tuple[Signature, ...]
    idf: dict[int, float]
    default_idf: float
    feature_kind: str = HASHED

    @property
    def embedded(self) -> bool:
        """Topics found on embeddings are compared on embeddings (all must have one)."""
        return (
            self.feature_kind == EMBEDDED
            and bool(self.signatures)
            and all(s.embedding is not None for s in self.signatures)
        )

    def _matrices(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, signature in enumerate(self.signatures):
            rows.extend([row] * len(signature.indices))
            cols.extend(signature.indices)
            vals.extend(signature.weights)
        signatures = sparse.csr_matrix(
            (vals, (rows, cols)), shape=(len(self.signatures), N_FEATURES), dtype=np.float64
        )
        idf = np.full(N_FEATURES, self.default_idf, dtype=np.float64)
        if self.idf:
            idf[list(self.idf)] = list(self.idf.values())
        return signatures, idf

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(texts x topics) cosine scores."""
        if not texts or not self.signatures:
            return np.zeros((len(texts), len(self.signatures)))
        if self.embedded:
            from cxhub.experience.text.embeddings import embed

            centres = np.asarray([s.embedding for s in self.signatures], dtype=np.float32)
            cosines: np.ndarray = embed(texts) @ centres.T
            return cosines
        signatures, idf = self._matrices()
        weighted = sparse.csr_matrix(term_counts(texts) @ sparse.diags(idf))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        scores: np.ndarray = np.asarray((weighted @ signatures.T).todense()) / norms[:, None]
        return scores

    def classify(
        self, texts: Sequence[str], *, min_score: float | None = None
    ) -> list[tuple[int | None, float]]:
        """Per text: (topic id, score) of the nearest topic, topic None below `min_score`
        (default: the floor of the feature kind)."""
        if not self.signatures:
            return [(None, 0.0) for _ in texts]
        if min_score is None:
            min_score = EMBEDDING_MIN_SCORE if self.embedded else MIN_SCORE
        scores = self.scores(texts)
        best = np.argmax(scores, axis=1)
        answer: list[tuple[int | None, float]] = []
        for row, column in enumerate(best):
            score = float(scores[row, column])
            topic = self.topic_ids[int(column)] if score >= min_score else None
            answer.append((topic, round(score, 4)))
        return answer
