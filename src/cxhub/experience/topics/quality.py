"""How good discovered topics are, measured against labelled intents (BANKING77: 77 banking
intents of real customer queries). Used by `benchmarks/topics_quality.py` and the quality test.

- Clustering agreement: NMI and ARI between the discovered topics and the true intents of the
  training texts (texts left without a topic count as one extra cluster, -1).
- Classification into named topics: each topic is *named* after the majority intent of its
  training members (what a team naming topics does); each test text is classified by the stored
  signatures (`centroids.py`, no score floor) and is right when its topic's name is its intent.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from cxhub.experience.topics.centroids import TopicClassifier
from cxhub.experience.topics.discovery import DiscoveryParams, discover


def evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    *,
    params: DiscoveryParams,
) -> dict[str, Any]:
    started = time.perf_counter()
    found = discover(train_texts, params=params, languages=["en"] * len(train_texts))
    seconds = time.perf_counter() - started
    assignments = found.assignments
    names: dict[int, str] = {}
    for topic in found.topics:
        members = Counter(train_labels[i] for i in np.where(assignments == topic.index)[0])
        names[topic.index] = members.most_common(1)[0][0]
    model = TopicClassifier(
        tuple(t.index for t in found.topics),
        tuple(t.signature for t in found.topics),
        found.idf,
        found.default_idf,
    )
    predicted = model.classify(test_texts, min_score=0.0)
    correct = sum(
        1 for (topic, _), label in zip(predicted, test_labels, strict=True)
        if topic is not None and names[topic] == label
    )  # fmt: skip
    return {
        "topics": len(found.topics),
        "distinct_names": len(set(names.values())),
        "nmi": round(float(normalized_mutual_info_score(train_labels, assignments)), 4),
        "ari": round(float(adjusted_rand_score(train_labels, assignments)), 4),
        "unassigned": int((assignments < 0).sum()),
        "accuracy": round(correct / max(len(test_labels), 1), 4),
        "discovery_seconds": round(seconds, 2),
        "k_scores": found.k_scores,
    }
