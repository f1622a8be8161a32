"""A file cache of accurate-mode embeddings keyed by text, so retraining and evaluating do not
re-embed the same texts (embedding is the slow part: tens of texts per second per core)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np

from cxhub.experience.text.embeddings import embed


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            self.vectors = joblib.load(path)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self.vectors))
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            for text, vector in zip(chunk, embed(chunk), strict=True):
                self.vectors[_key(text)] = vector
            self.save()
        return np.vstack([self.vectors[_key(t)] for t in texts]) if texts else np.zeros((0, 384))

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(self.vectors, self.path)
