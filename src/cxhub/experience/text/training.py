"""Reproduce the shipped text models from the public data sets (`cxhub text train`).

Only train/valid splits of permissively licensed sets are used (datasets.TRAINABLE). Languages
are weighted equally (SmSA is five times larger than the tweet sets), so no language dominates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cxhub.experience.text import datasets as ds
from cxhub.experience.text.artefact import TextModels, TopicVocabulary
from cxhub.experience.text.embedding_cache import EmbeddingCache
from cxhub.experience.text.features import featurise
from cxhub.experience.text.linear import LinearScorer

FAST_C = 1.0
TOPIC_C = 10.0
#: Few examples per topic: weak regularisation keeps the probabilities usable against the
#: shared 0.3 threshold (C = 10 left 77 % of correct answers below it on BANKING77).
ACCURATE_TOPIC_C = 100.0
TOPIC_MAX_FEATURES = 12000
BITEXT_HELD_OUT = 0.2


@dataclass(frozen=True)
class TrainingOptions:
    data_root: Path
    accurate: bool = True
    accurate_per_language: int = 600  # embedding is slow: a per-language subsample
    accurate_per_topic: int = 12
    embedding_cache: Path | None = None
    seed: int = 7


def language_weights(sets: list[ds.LabelledTexts]) -> np.ndarray:
    total = sum(len(s) for s in sets)
    return np.concatenate([np.full(len(s), total / (len(sets) * len(s))) for s in sets])


def topic_training_data(root: Path) -> ds.LabelledTexts:
    bank = ds.banking77(root, "train")
    support, _ = ds.split_holdout(ds.bitext(root), share=BITEXT_HELD_OUT)
    return ds.LabelledTexts(
        "en",
        bank.texts + support.texts,
        [f"banking/{y}" for y in bank.labels] + [f"support/{y}" for y in support.labels],
    )


def _fit(
    inputs: object, labels: list[str], c: float, weights: np.ndarray | None = None
) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(inputs, labels, sample_weight=weights)
    return model


def train_models(options: TrainingOptions) -> TextModels:
    root = options.data_root
    sentiment_sets = ds.sentiment_training_sets(root)
    texts = [t for s in sentiment_sets for t in s.texts]
    labels = [y for s in sentiment_sets for y in s.labels]
    fast = _fit(featurise(texts), labels, FAST_C, language_weights(sentiment_sets))

    topic_data = topic_training_data(root)
    tfidf = TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=(1, 2),
        min_df=2,
        max_features=TOPIC_MAX_FEATURES,
        token_pattern=r"(?u)\b\w\w+\b",  # noqa: S106 - a regex
    )
    topics = _fit(tfidf.fit_transform(topic_data.texts), topic_data.labels, TOPIC_C)
    vocabulary = TopicVocabulary(
        {str(k): int(v) for k, v in tfidf.vocabulary_.items()}, tfidf.idf_.astype(np.float32), 2
    )

    accurate_sentiment = accurate_topics = None
    if options.accurate:
        cache = EmbeddingCache(options.embedding_cache)
        subsets = [
            s.sample(options.accurate_per_language, seed=options.seed) for s in sentiment_sets
        ]
        vectors = cache.embed([t for s in subsets for t in s.texts])
        accurate_sentiment = LinearScorer.from_estimator(
            _fit(vectors, [y for s in subsets for y in s.labels], 1.0, language_weights(subsets))
        )
        per_topic = _per_label_sample(topic_data, options.accurate_per_topic, options.seed)
        accurate_topics = LinearScorer.from_estimator(
            _fit(cache.embed(per_topic.texts), per_topic.labels, ACCURATE_TOPIC_C)
        )

    return TextModels(
        version=datetime.now(UTC).strftime("%Y%m%d"),
        fast_sentiment=LinearScorer.from_estimator(fast, sparse_coef=True),
        topic_vocabulary=vocabulary,
        fast_topics=LinearScorer.from_estimator(topics),
        accurate_sentiment=accurate_sentiment,
        accurate_topics=accurate_topics,
        provenance={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_sets": dict(ds.TRAINABLE),
            "splits": "train + valid only; Bitext: 80 % (seeded), 20 % held out",
            "accurate_per_language": options.accurate_per_language if options.accurate else 0,
            "accurate_per_topic": options.accurate_per_topic if options.accurate else 0,
            "seed": options.seed,
        },
    )


def _per_label_sample(data: ds.LabelledTexts, per_label: int, seed: int) -> ds.LabelledTexts:
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(data.labels):
        by_label.setdefault(label, []).append(index)
    picked = sorted(
        i for idx in by_label.values() for i in rng.permutation(idx)[:per_label].tolist()
    )
    return ds.LabelledTexts(
        data.language, [data.texts[i] for i in picked], [data.labels[i] for i in picked]
    )
