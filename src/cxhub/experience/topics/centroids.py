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
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from cxhub.experience.topics.features import N_FEATURES, term_counts

SIGNATURE_SIZE = 400
#: Below this cosine a new text is left without a topic rather than forced into the nearest.
MIN_SCORE = 0.12


@dataclass(frozen=True)
class Signature:
    indices: tuple[int, ...]
    weights: tuple[float, ...]

    def as_json(self) -> dict[str, list[Any]]:
        return {"i": list(self.indices), "w": [round(w, 6) for w in self.weights]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        return cls(tuple(int(i) for i in data["i"]), tuple(float(w) for w in data["w"]))


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
    return signature_of(dense)


@dataclass(frozen=True)
class TopicClassifier:
    """Signatures of the topics (in `topic_ids` order) and the IDF they are compared with."""

    topic_ids: tuple[int, ...]
    signatures: tuple[Signature, ...]
    idf: dict[int, float]
    default_idf: float

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
        signatures, idf = self._matrices()
        weighted = sparse.csr_matrix(term_counts(texts) @ sparse.diags(idf))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        scores: np.ndarray = np.asarray((weighted @ signatures.T).todense()) / norms[:, None]
        return scores

    def classify(
        self, texts: Sequence[str], *, min_score: float = MIN_SCORE
    ) -> list[tuple[int | None, float]]:
        """Per text: (topic id, score) of the nearest topic, topic None below `min_score`."""
        if not self.signatures:
            return [(None, 0.0) for _ in texts]
        scores = self.scores(texts)
        best = np.argmax(scores, axis=1)
        answer: list[tuple[int | None, float]] = []
        for row, column in enumerate(best):
            score = float(scores[row, column])
            topic = self.topic_ids[int(column)] if score >= min_score else None
            answer.append((topic, round(score, 4)))
        return answer
