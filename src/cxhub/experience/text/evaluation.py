"""Quality and speed of the text models on held-out data, next to a TF-IDF + logistic-regression
baseline and a majority-class baseline trained on the same data in the same run.

Binary Chinese sets: our neutral class does not exist there, so a text is called positive when
P(positive) >= P(negative) (neutral probability ignored) for every model, baseline included.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from cxhub.experience.text import datasets as ds
from cxhub.experience.text.artefact import TextModels
from cxhub.experience.text.embedding_cache import EmbeddingCache
from cxhub.experience.text.features import featurise
from cxhub.experience.text.language import detect_languages
from cxhub.experience.text.topics import topic_features
from cxhub.experience.text.training import language_weights, topic_training_data


def predicted_labels(probs: np.ndarray, classes: Sequence[str], *, binary: bool) -> list[str]:
    classes = list(classes)
    if binary:
        neg, pos = classes.index("negative"), classes.index("positive")
        return ["positive" if row[pos] >= row[neg] else "negative" for row in probs]
    return [classes[int(i)] for i in np.argmax(probs, axis=1)]


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Macro-F1 over the classes present in the truth (a topic model's other-taxonomy
    predictions count as errors, never as extra zero-F1 classes)."""
    labels = sorted(set(truth))
    return {
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro")), 3),
        "accuracy": round(float(accuracy_score(truth, predicted)), 3),
    }


def held_out_sets(
    root: Path, *, per_set: int | None, seed: int = 11
) -> dict[str, ds.LabelledTexts]:
    sets = {lang: ds.sentiment_split(root, lang, "test") for lang in ("en", "it", "id")}
    sets["zh (ChnSentiCorp hotels)"] = ds.chinese_reviews(root, "chnsenticorp-htl.csv")
    sets["zh (waimai delivery)"] = ds.chinese_reviews(root, "waimai-10k.csv")
    sets["pt (Olist reviews)"] = ds.olist_reviews(root)
    if per_set is not None:
        sets = {name: data.sample(per_set, seed=seed) for name, data in sets.items()}
    return sets


def evaluate_sentiment(
    models: TextModels,
    root: Path,
    *,
    per_set: int | None,
    accurate_per_set: int,
    cache: EmbeddingCache | None,
) -> dict[str, Any]:
    training = ds.sentiment_training_sets(root)
    train_texts = [t for s in training for t in s.texts]
    train_labels = [y for s in training for y in s.labels]
    tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    baseline = LogisticRegression(max_iter=3000).fit(
        tfidf.fit_transform(train_texts), train_labels, sample_weight=language_weights(training)
    )
    majority = Counter(train_labels).most_common(1)[0][0]
    report: dict[str, Any] = {}
    for name, data in held_out_sets(root, per_set=per_set).items():
        binary = data.language == "zh"
        fast = models.fast_sentiment
        row: dict[str, Any] = {
            "texts": len(data),
            "fast": scores(
                data.labels,
                predicted_labels(
                    fast.probabilities(featurise(data.texts)), fast.classes, binary=binary
                ),
            ),
            "tfidf_logreg_baseline": scores(
                data.labels,
                predicted_labels(
                    baseline.predict_proba(tfidf.transform(data.texts)),
                    baseline.classes_,
                    binary=binary,
                ),
            ),
            "majority_class": scores(
                data.labels,
                [majority if not binary or majority != "neutral" else "positive"] * len(data),
            ),
        }
        if cache is not None and models.accurate_sentiment is not None:
            subset = data.sample(accurate_per_set, seed=11)
            accurate = models.accurate_sentiment
            probs = accurate.probabilities(cache.embed(subset.texts))
            row["accurate"] = scores(
                subset.labels, predicted_labels(probs, accurate.classes, binary=binary)
            )
            row["accurate"]["texts"] = len(subset)
        report[name] = row
    return report


def evaluate_topics(
    models: TextModels, root: Path, *, cache: EmbeddingCache | None, accurate_per_set: int
) -> dict[str, Any]:
    """BANKING77 test (and the 20 % Bitext hold-out) classified into the full 104-topic taxonomy."""
    bank = ds.banking77(root, "test")
    truth = [f"banking/{y}" for y in bank.labels]
    probs = models.fast_topics.probabilities(topic_features(models.topic_vocabulary, bank.texts))
    report: dict[str, Any] = {
        "banking77_test": {
            "texts": len(bank),
            "fast": scores(
                truth, predicted_labels(probs, models.fast_topics.classes, binary=False)
            ),
        }
    }
    train = ds.banking77(root, "train")
    tfidf = TfidfVectorizer()
    baseline = LogisticRegression(max_iter=3000).fit(tfidf.fit_transform(train.texts), train.labels)
    report["banking77_test"]["tfidf_logreg_baseline_banking_only"] = scores(
        bank.labels, list(baseline.predict(tfidf.transform(bank.texts)))
    )
    _, held_out = ds.split_holdout(ds.bitext(root), share=0.2)
    support_truth = [f"support/{y}" for y in held_out.labels]
    support_probs = models.fast_topics.probabilities(
        topic_features(models.topic_vocabulary, held_out.texts)
    )
    report["bitext_held_out"] = {
        "texts": len(held_out),
        "fast": scores(
            support_truth, predicted_labels(support_probs, models.fast_topics.classes, binary=False)
        ),
    }
    if cache is not None and models.accurate_topics is not None:
        subset = ds.LabelledTexts("en", bank.texts, truth).sample(accurate_per_set, seed=11)
        probs = models.accurate_topics.probabilities(cache.embed(subset.texts))
        report["banking77_test"]["accurate"] = scores(
            subset.labels, predicted_labels(probs, models.accurate_topics.classes, binary=False)
        ) | {"texts": len(subset)}
    _ = topic_training_data  # the taxonomy evaluated is the one training builds
    return report


def evaluate_languages(root: Path, *, per_set: int) -> dict[str, Any]:
    """Accuracy of language identification on held-out text of each language (both lingua modes)."""
    sets = {name.split(" ")[0]: data for name, data in held_out_sets(root, per_set=per_set).items()}
    sets["zh"] = ds.chinese_reviews(root, "chnsenticorp-htl.csv").sample(
        per_set // 2
    ) + ds.chinese_reviews(root, "waimai-10k.csv").sample(per_set // 2)
    report: dict[str, Any] = {}
    for high in (False, True):
        key = "accurate_mode" if high else "fast_mode"
        report[key] = {
            lang: round(
                float(np.mean([p == lang for p in detect_languages(d.texts, high_accuracy=high)])),
                3,
            )
            for lang, d in sets.items()
        }
    return report


def throughput(models: TextModels, texts: Sequence[str], *, accurate: bool) -> float:
    """Texts per CPU-second of `analyse_texts` (language + sentiment + topics), i.e. per core.

    CPU time, not wall time, so the figure does not depend on what else the machine runs; all
    threads count, so a library that spreads work over cores gains nothing."""
    from cxhub.experience.text.analyser import analyse_texts

    analyse_texts(list(texts[:8]), mode="accurate" if accurate else "fast", models=models)
    started = time.process_time()
    analyse_texts(list(texts), mode="accurate" if accurate else "fast", models=models)
    return round(len(texts) / (time.process_time() - started), 1)
