"""A trained linear classifier stored as plain arrays (softmax over `inputs @ coef.T + intercept`).

Why not pickle the scikit-learn estimator: the arrays are a fraction of the size (the hashed
sentiment weights are sparse: features never seen in training weigh exactly zero), they load with
any scikit-learn version, and scoring needs only numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class LinearScorer:
    classes: tuple[str, ...]
    coef: Any  # (classes, features): scipy CSR or numpy array
    intercept: np.ndarray

    @classmethod
    def from_estimator(cls, estimator: Any, *, sparse_coef: bool = False) -> LinearScorer:
        coef = np.asarray(estimator.coef_, dtype=np.float32)
        stored: Any = sparse.csr_matrix(coef) if sparse_coef else coef.astype(np.float16)
        return cls(
            tuple(str(c) for c in estimator.classes_),
            stored,
            np.asarray(estimator.intercept_, dtype=np.float32),
        )

    def __getstate__(self) -> dict[str, Any]:
        # The multiply-ready copy is derived; artefact files keep only the stored arrays.
        return {k: v for k, v in self.__dict__.items() if k != "_weights_by_feature"}

    @cached_property
    def _weights_by_feature(self) -> Any:
        """`coef.T` in the layout the product with a CSR input wants, built once per process.

        Why: transposing per call gave scipy a CSC matrix to convert back to CSR (half a million
        weights) and the float16 dense weights a float32 copy, ~10 ms for a single text, which
        every new ticket message paid in its text-analytics job."""
        if sparse.issparse(self.coef):
            return self.coef.T.tocsr()
        return np.ascontiguousarray(self.coef.astype(np.float32).T)

    def probabilities(self, inputs: Any) -> np.ndarray:
        raw = inputs @ self._weights_by_feature
        logits = np.asarray(raw.todense() if sparse.issparse(raw) else raw, dtype=np.float64)
        logits = logits + self.intercept
        if logits.shape[1] == 1:  # binary estimators keep one row of weights
            logits = np.hstack([-logits / 2, logits / 2])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probs: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probs
