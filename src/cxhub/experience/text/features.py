"""Turning texts into model inputs for the fast mode: hashed character and word n-grams (no
vocabulary to store, any script) plus the shared lexicon columns (`lexicon.py`).

Hashing keeps the artefact small and lets the same featuriser serve every language; the n-gram
weights only exist for the training languages (en, it, id), the lexicon columns for all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from cxhub.experience.text.lexicon import polarity_counts

HASH_BITS = 18
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_REPEAT = re.compile(r"(.)\1{2,}")
LEXICON_WEIGHT = 1.0


def normalise(text: str) -> str:
    """Lower case, @mentions and links replaced by placeholders, "soooo" shortened to "soo"."""
    text = _URL.sub(" http ", text)
    text = _MENTION.sub(" @user ", text)
    return _REPEAT.sub(r"\1\1", text.lower())


_CHARS = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 4),
    n_features=2**HASH_BITS,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    dtype=np.float32,
)
_WORDS = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=2**HASH_BITS,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    token_pattern=r"(?u)\b\w+\b|[!?]",  # noqa: S106 - a regex, not a password
    dtype=np.float32,
)


def lexicon_columns(texts: Sequence[str]) -> np.ndarray:
    counts = np.array([polarity_counts(t) for t in texts], dtype=np.float32).reshape(-1, 4)
    return np.log1p(counts) * LEXICON_WEIGHT


def featurise(texts: Sequence[str]) -> sparse.csr_matrix:
    """One sparse row per text: [char n-grams | word n-grams | 4 lexicon columns]."""
    cleaned = [normalise(t) for t in texts]
    blocks = [
        _CHARS.transform(cleaned),
        _WORDS.transform(cleaned),
        sparse.csr_matrix(lexicon_columns(texts)),
    ]
    return sparse.hstack(blocks, format="csr", dtype=np.float32)
