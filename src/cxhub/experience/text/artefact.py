"""The trained text models shipped inside the package (`artefacts/text-models.joblib`), with the
provenance and the metrics of the run that produced them (docs/text-analytics.md).

Loaded once per process; nothing is ever downloaded. Rebuild with `cxhub text train`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib

from cxhub.experience.text.linear import LinearScorer

ARTEFACT_PATH = Path(__file__).resolve().parent / "artefacts" / "text-models.joblib"
FORMAT = 1


class ArtefactError(RuntimeError):
    """The model file is missing, unreadable or of another format."""


@dataclass(frozen=True)
class TopicVocabulary:
    """The fitted TF-IDF of the topic model, as plain data (word n-gram -> column, idf)."""

    vocabulary: dict[str, int]
    idf: Any
    ngram_max: int


@dataclass(frozen=True)
class TextModels:
    version: str
    fast_sentiment: LinearScorer
    topic_vocabulary: TopicVocabulary
    fast_topics: LinearScorer
    accurate_sentiment: LinearScorer | None = None
    accurate_topics: LinearScorer | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


def save_models(models: TextModels, path: Path = ARTEFACT_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"format": FORMAT, "models": models}, path, compress=("xz", 6))
    return path


def load_models(path: Path) -> TextModels:
    try:
        stored = joblib.load(path)
    except (OSError, EOFError, ValueError) as exc:
        raise ArtefactError(f"cannot read text models from {path}: {exc}") from exc
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ArtefactError(f"{path} is not a cxhub text-model file of format {FORMAT}")
    models = stored["models"]
    if not isinstance(models, TextModels):
        raise ArtefactError(f"{path} holds no TextModels")
    return models


@lru_cache(maxsize=1)
def bundled_models() -> TextModels:
    """The models shipped with this installation."""
    return load_models(ARTEFACT_PATH)
