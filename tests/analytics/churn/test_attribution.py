"""Path attribution over hand-built trees: contributions computed by hand, and routing of numbers,
blanks, known, unknown and negative category codes equal to scikit-learn's own predictor."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

from cxhub.analytics.churn.attribution import AttributionUnavailable, TreeEnsemble

NAN = float("nan")


def _nodes(rows: list[dict[str, Any]]) -> np.ndarray:
    nodes = np.zeros(len(rows), dtype=PREDICTOR_RECORD_DTYPE)
    for index, row in enumerate(rows):
        for key, value in row.items():
            nodes[index][key] = value
    return nodes


def _bitset(codes: list[int]) -> np.ndarray:
    words = np.zeros(8, dtype=np.uint32)
    for code in codes:
        words[code // 32] |= np.uint32(1 << (code % 32))
    return words


def _tree(nodes: np.ndarray, left_sets: list[list[int]] | None = None) -> SimpleNamespace:
    raw = np.array([_bitset(s) for s in left_sets or []], dtype=np.uint32).reshape(-1, 8)
    return SimpleNamespace(nodes=nodes, raw_left_cat_bitsets=raw, binned_left_cat_bitsets=raw)


def _numeric_tree() -> SimpleNamespace:
    """x0 <= 5 (blank left) → leaf 1.0 (60 rows); else x1 <= 2 (blank right) → −2 (10) | 4 (30).
    E(x1 split) = (10·−2 + 30·4)/40 = 2.5; E(root) = (60·1 + 40·2.5)/100 = 1.6."""
    split = {"is_leaf": 0, "is_categorical": 0}
    return _tree(
        _nodes(
            [
                {**split, "feature_idx": 0, "num_threshold": 5.0, "missing_go_to_left": 1,
                 "left": 1, "right": 2, "count": 100},
                {"is_leaf": 1, "value": 1.0, "count": 60},
                {**split, "feature_idx": 1, "num_threshold": 2.0, "missing_go_to_left": 0,
                 "left": 3, "right": 4, "count": 40},
                {"is_leaf": 1, "value": -2.0, "count": 10},
                {"is_leaf": 1, "value": 4.0, "count": 30},
            ]
        )
    )  # fmt: skip


def _category_tree() -> SimpleNamespace:
    """x2 in {1, 3} (known 0–3; unknown and blank left) → 0.5 (20 rows) | −0.5 (80).
    E(root) = (20·0.5 − 80·0.5)/100 = −0.3."""
    return _tree(
        _nodes(
            [
                {"is_leaf": 0, "is_categorical": 1, "feature_idx": 2, "bitset_idx": 0,
                 "missing_go_to_left": 1, "left": 1, "right": 2, "count": 100},
                {"is_leaf": 1, "value": 0.5, "count": 20},
                {"is_leaf": 1, "value": -0.5, "count": 80},
            ]
        ),
        left_sets=[[1, 3]],
    )  # fmt: skip


def _classifier() -> SimpleNamespace:
    known = np.array([_bitset([0, 1, 2, 3])], dtype=np.uint32)
    feature_map = np.array([0, 0, 0], dtype=np.uint32)
    mapper = SimpleNamespace(
        is_categorical_=np.array([False, False, True]),
        make_known_categories_bitsets=lambda: (known, feature_map),
    )
    return SimpleNamespace(
        _predictors=[[_numeric_tree()], [_category_tree()]],
        _baseline_prediction=np.array([[0.25]]),
        _bin_mapper=mapper,
    )


ROWS = np.array(
    [
        [7.0, 1.0, 1.0],  # right then x1 left (−2); category 1 left (0.5)
        [3.0, 9.0, 2.0],  # left leaf 1; category 2 known, not in the left set: right
        [NAN, NAN, 7.0],  # blank x0 goes left; category 7 never seen: the blank side, left
        [7.0, NAN, NAN],  # blank x1 goes right (4); blank category left
        [7.0, 2.0, -1.0],  # x1 = threshold goes left; negative code: the blank side, left
    ]
)
# Credits per row, hand-computed: x0 step 2.5 − 1.6 = 0.9 (right) or 1 − 1.6 = −0.6 (left);
# x1 step −2 − 2.5 = −4.5 (left) or 4 − 2.5 = 1.5 (right); x2 step 0.5 + 0.3 = 0.8 (left)
# or −0.5 + 0.3 = −0.2 (right).
EXPECTED = np.array(
    [
        [0.9, -4.5, 0.8],
        [-0.6, 0.0, -0.2],
        [-0.6, 0.0, 0.8],
        [0.9, 1.5, 0.8],
        [0.9, -4.5, 0.8],
    ]
)
BIAS = 0.25 + 1.6 - 0.3


def test_hand_built_trees_give_the_hand_computed_contributions() -> None:
    trees = TreeEnsemble.from_classifier(_classifier(), 3)
    raw, contributions = trees.contributions(ROWS)
    assert trees.bias == pytest.approx(BIAS)
    np.testing.assert_allclose(contributions, EXPECTED, atol=1e-12)
    # Leaves: −2+0.5, 1−0.5, 1+0.5, 4+0.5, −2+0.5, plus the baseline 0.25.
    np.testing.assert_allclose(raw, 0.25 + np.array([-1.5, 0.5, 1.5, 4.5, -1.5]), atol=1e-12)
    np.testing.assert_allclose(BIAS + contributions.sum(axis=1), raw, atol=1e-12)


def test_hand_built_routing_equals_scikit_learns_predictor() -> None:
    """scikit-learn's own raw-data prediction on the same node arrays reaches the same leaves."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    classifier = _classifier()
    known, feature_map = classifier._bin_mapper.make_known_categories_bitsets()
    trees = TreeEnsemble.from_classifier(classifier, 3)
    leaves = trees.leaves(np.ascontiguousarray(ROWS))
    for index, (tree,) in enumerate(classifier._predictors):
        predictor = TreePredictor(
            tree.nodes, tree.binned_left_cat_bitsets, tree.raw_left_cat_bitsets
        )
        theirs = predictor.predict(ROWS, known, feature_map, 1)
        np.testing.assert_array_equal(trees.value[leaves[index]], theirs)


def test_a_chunked_walk_gives_the_same_contributions(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxhub.analytics.churn import attribution

    monkeypatch.setattr(attribution, "CHUNK_PAIRS", 3)  # one row per chunk
    raw, contributions = TreeEnsemble.from_classifier(_classifier(), 3).contributions(ROWS)
    np.testing.assert_allclose(contributions, EXPECTED, atol=1e-12)
    assert raw.shape == (5,)


def test_a_layout_it_cannot_read_is_reported_not_guessed() -> None:
    with pytest.raises(AttributionUnavailable):
        TreeEnsemble.from_classifier(SimpleNamespace(), 3)
    multiclass = _classifier()
    multiclass._predictors = [[_numeric_tree(), _numeric_tree()]]
    with pytest.raises(AttributionUnavailable, match="binary"):
        TreeEnsemble.from_classifier(multiclass, 3)


def test_the_level_walk_gives_what_the_code_table_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees too large for a code table are walked level by level: same leaves, same credits."""
    from cxhub.analytics.churn import attribution

    tabled = TreeEnsemble.from_classifier(_classifier(), 3)
    monkeypatch.setattr(attribution, "MAX_CODE_BITS", 0)
    walked = TreeEnsemble.from_classifier(_classifier(), 3)
    assert tabled.code_table is not None
    assert walked.code_table is None
    np.testing.assert_array_equal(walked.leaves(ROWS), tabled.leaves(ROWS))
    np.testing.assert_allclose(walked.contributions(ROWS)[1], EXPECTED, atol=1e-12)


class _Refittable:
    """A classifier stand-in hashed by identity and weakly referenceable, as scikit-learn's
    estimators are (a SimpleNamespace is neither: it is read every time)."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


def test_the_trees_are_read_once_per_fit() -> None:
    """Scoring the same fitted model again reuses its flattened trees; a refit (new
    `_predictors`) is read again, and so is another table width."""
    classifier = _Refittable(**vars(_classifier()))
    first = TreeEnsemble.from_classifier(classifier, 3)
    assert TreeEnsemble.from_classifier(classifier, 3) is first
    plain = _classifier()
    assert TreeEnsemble.from_classifier(plain, 3) is not TreeEnsemble.from_classifier(plain, 3)
    wider = TreeEnsemble.from_classifier(classifier, 4)
    assert wider is not first
    assert wider.n_columns == 4
    classifier._predictors = [[_category_tree()], [_numeric_tree()]]  # what a refit does
    refitted = TreeEnsemble.from_classifier(classifier, 3)
    assert refitted is not first
    np.testing.assert_allclose(refitted.contributions(ROWS)[1], EXPECTED, atol=1e-12)
    assert TreeEnsemble.from_classifier(classifier, 3) is refitted
