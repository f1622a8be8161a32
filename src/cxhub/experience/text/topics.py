"""Topics of a text: the support intents it expresses.

A topic here is one named intent from a fixed taxonomy learnt from two permissively licensed
sets: the 27 generic customer-support intents of Bitext (`support/track_order`,
`support/get_refund`, ...) and the 77 banking intents of BANKING77 (`banking/card_arrival`, ...).
A text gets up to `MAX_TOPICS` topics whose probability reaches `MIN_PROBABILITY`; a text that is
not support-like (or, in fast mode, not English) gets none rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from cxhub.experience.text.artefact import TopicVocabulary

MIN_PROBABILITY = 0.3
MAX_TOPICS = 3
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def topic_features(vocab: TopicVocabulary, texts: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear TF-IDF over the stored vocabulary, rows L2-normalised (same as at training)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, text in enumerate(texts):
        words = _TOKEN.findall(text.lower())
        counts: dict[int, int] = {}
        for n in range(1, vocab.ngram_max + 1):
            for i in range(len(words) - n + 1):
                column = vocab.vocabulary.get(" ".join(words[i : i + n]))
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
        for column, count in counts.items():
            rows.append(row)
            cols.append(column)
            vals.append((1.0 + np.log(count)) * float(vocab.idf[column]))
    matrix = sparse.csr_matrix(
        (vals, (rows, cols)), shape=(len(texts), len(vocab.vocabulary)), dtype=np.float32
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def pick_topics(probabilities: np.ndarray, classes: Sequence[str]) -> list[list[tuple[str, float]]]:
    """Per row: the topics at or above the threshold, most probable first."""
    picked: list[list[tuple[str, float]]] = []
    for row in probabilities:
        best = np.argsort(-row)[:MAX_TOPICS]
        picked.append(
            [(classes[i], round(float(row[i]), 3)) for i in best if row[i] >= MIN_PROBABILITY]
        )
    return picked
