"""Topic quality on real data: BANKING77 restricted to its first 20 intents (alphabetically;
2,6k training queries, 800 test queries), discovery with k = 20. Measured on 2026-11-26:
NMI 0.694, ARI 0.488, accuracy into named topics 0.586 (a plain TF-IDF + KMeans baseline in
the same run: 0.569 / 0.291 / 0.528; benchmarks/topics_quality.py, docs/topics.md). The floors
leave room for platform differences in floating point and k-means, not for a regression."""

from __future__ import annotations

from pathlib import Path

from cxhub.experience.text import datasets as ds
from cxhub.experience.topics.discovery import DiscoveryParams
from cxhub.experience.topics.quality import evaluate


def test_discovered_topics_agree_with_banking77_intents(shared_data: Path) -> None:
    train, test = ds.banking77(shared_data, "train"), ds.banking77(shared_data, "test")
    keep = set(sorted(set(train.labels))[:20])
    train_rows = [(t, y) for t, y in zip(train.texts, train.labels, strict=True) if y in keep]
    test_rows = [(t, y) for t, y in zip(test.texts, test.labels, strict=True) if y in keep]
    result = evaluate(
        [t for t, _ in train_rows],
        [y for _, y in train_rows],
        [t for t, _ in test_rows],
        [y for _, y in test_rows],
        params=DiscoveryParams(k=20, min_topic_size=2),
    )
    assert result["topics"] == 20
    assert result["nmi"] >= 0.62, result
    assert result["ari"] >= 0.40, result
    assert result["accuracy"] >= 0.52, result
