"""The stored linear scorer: same probabilities from sparse and dense weights, and a pickled
scorer carries only its stored arrays (the multiply-ready copy is rebuilt per process)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import sparse

from cxhub.experience.text.linear import LinearScorer

pytestmark = pytest.mark.nodb


def _scorer(weights: np.ndarray, *, as_sparse: bool) -> LinearScorer:
    coef = sparse.csr_matrix(weights) if as_sparse else weights.astype(np.float16)
    return LinearScorer(("neg", "neu", "pos"), coef, np.array([0.0, 0.5, -0.5], np.float32))


def test_softmax_of_inputs_times_weights_hand_computed() -> None:
    weights = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    inputs = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 3.0]]))
    # Row 1 logits: 1, 0.5, 1.5; row 2: 0, 0.5, -0.5.
    expected = []
    for logits in ([1.0, 0.5, 1.5], [0.0, 0.5, -0.5]):
        exp = np.exp(np.array(logits))
        expected.append(exp / exp.sum())
    for as_sparse in (True, False):
        got = _scorer(weights, as_sparse=as_sparse).probabilities(inputs)
        np.testing.assert_allclose(got, np.array(expected), rtol=1e-6)


def test_pickled_scorer_keeps_only_stored_arrays_and_scores_the_same() -> None:
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(3, 50)) * (rng.random((3, 50)) < 0.3)
    inputs = sparse.csr_matrix(rng.random((4, 50)) * (rng.random((4, 50)) < 0.2))
    scorer = _scorer(weights, as_sparse=True)
    before = scorer.probabilities(inputs)  # builds the multiply-ready copy
    state = scorer.__getstate__()
    assert "_weights_by_feature" not in state
    restored = pickle.loads(pickle.dumps(scorer))  # noqa: S301 - our own bytes
    assert "_weights_by_feature" not in restored.__dict__
    np.testing.assert_allclose(restored.probabilities(inputs), before, rtol=1e-12)
