"""Topic quality on BANKING77: clustering agreement with the 77 intents and classification
accuracy into named topics (definitions in cxhub.experience.topics.quality), for cxhub's
discovery with k = 77 and with the automatic k, next to a plain scikit-learn baseline
(TfidfVectorizer word 1-2 grams + KMeans k = 77, nearest centroid) in the same run.

    .venv/bin/python -m benchmarks.topics_quality --data ../shared/data [--intents 77]

Prints one JSON object. `--intents N` keeps the first N intents (alphabetically) for a quicker run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

from cxhub.experience.text import datasets as ds
from cxhub.experience.topics.discovery import DiscoveryParams
from cxhub.experience.topics.quality import evaluate


def baseline(
    train: list[str], train_y: list[str], test: list[str], test_y: list[str], k: int, seed: int
) -> dict[str, Any]:
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    x = vectorizer.fit_transform(train)
    labels = KMeans(n_clusters=k, random_state=seed, n_init=3).fit_predict(x)
    seconds = time.perf_counter() - started
    centres = normalize(np.vstack([np.asarray(x[labels == c].mean(axis=0)) for c in range(k)]))
    names = {c: Counter(np.asarray(train_y)[labels == c]).most_common(1)[0][0] for c in range(k)}
    nearest = np.asarray(normalize(vectorizer.transform(test)) @ centres.T).argmax(axis=1)
    accuracy = float(np.mean([names[int(c)] == y for c, y in zip(nearest, test_y, strict=True)]))
    return {
        "nmi": round(float(normalized_mutual_info_score(train_y, labels)), 4),
        "ari": round(float(adjusted_rand_score(train_y, labels)), 4),
        "accuracy": round(accuracy, 4),
        "discovery_seconds": round(seconds, 2),
    }


def subset(data: ds.LabelledTexts, keep: set[str]) -> tuple[list[str], list[str]]:
    rows = [(t, y) for t, y in zip(data.texts, data.labels, strict=True) if y in keep]
    return [t for t, _ in rows], [y for _, y in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--intents", type=int, default=77)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    train_all, test_all = ds.banking77(args.data, "train"), ds.banking77(args.data, "test")
    keep = set(sorted(set(train_all.labels))[: args.intents])
    train, train_y = subset(train_all, keep)
    test, test_y = subset(test_all, keep)
    k = len(keep)
    report = {
        "intents": k,
        "train_texts": len(train),
        "test_texts": len(test),
        "cxhub_k_given": evaluate(train, train_y, test, test_y,
                                  params=DiscoveryParams(k=k, seed=args.seed, min_topic_size=2)),
        "cxhub_k_auto": evaluate(train, train_y, test, test_y,
                                 params=DiscoveryParams(seed=args.seed, min_topic_size=2)),
        "baseline_tfidf_kmeans": baseline(train, train_y, test, test_y, k, args.seed),
    }  # fmt: skip
    print(json.dumps(report, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
