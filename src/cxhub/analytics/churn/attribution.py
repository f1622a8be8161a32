"""Per-customer drivers read off the fitted trees: path attribution (ADR 0032).

For one tree, let E(n) be the expected output below node n: the value of a leaf, and for a split
the training-count-weighted mean of its children's E (so E(root) is the tree's mean output over
the training rows). A row follows one path from the root to a leaf; at every split on that path
the change E(child taken) − E(split) is credited to the split's column. The credits of a tree sum
to leaf value − E(root), so over the whole boosted model

    raw score(x) = bias + Σ_columns contribution(x, column)
    bias = the model's constant (baseline) + Σ_trees E(root)

exactly (to floating-point rounding): the decomposition of Saabas ("treeinterpreter"), computed
here in NumPy for every row at once.

scikit-learn (1.4 and later) re-encodes categorical columns before its trees see them: an
ordinal encoder gives each category seen in training a code (unseen ones become blank) and puts
the categorical columns first. The walk therefore runs on the model's own preprocessed matrix
(`prepare`) and maps each tree column back to the table's column (`column_of_feature`) when it
credits a split.

Routing is scikit-learn's (`_predictor.pyx`): a blank takes the split's learned missing-value
side; a number goes left when `value <= threshold`; a category goes left when in the split's
left set, right when another category seen in training, else (negative, unseen) the missing-value
side. The node arrays are scikit-learn internals: an unexpected layout raises
`AttributionUnavailable` and the caller falls back to perturbation drivers; the tests check
bias + Σ contributions against the model's `decision_function` on the real churn tables.

Vectorised for all rows at once, in chunks of about `CHUNK_PAIRS` (row, tree) pairs: every
split of every tree on one column is decided by one NumPy comparison; a tree's ≤ 16 decisions
form a code and a per-tree table (built by walking each tree's node arrays) gives the leaf.
Larger trees are walked level by level over (row, tree) pairs (`walk`). Each leaf's path
credits are precomputed, so a row's contributions are one sparse product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

CHUNK_PAIRS = 2_000_000  # (row, tree) pairs walked at a time: ≈ 100 MB of temporaries
CATEGORY_CODES = 256  # scikit-learn casts a category value to an 8-bit bin before the lookup
MAX_CODE_BITS = 16  # splits per tree for the code table (cxhub's trees have at most 14)
MAX_CODE_ENTRIES = 2**24  # trees × 2**bits: at most 64 MB of code table, else walk


class AttributionUnavailable(Exception):
    """The fitted trees do not have the layout this module reads (another scikit-learn)."""


@dataclass(frozen=True)
class TreeEnsemble:
    """Every tree of one fitted model as flat node arrays (node ids global across trees).

    Leaves point to themselves, so a pair that reached a leaf stays there. `go_left_category`
    holds, for each categorical split, where codes 0–255 go (True = left), with the unknown
    categories already sent to the missing-value side.
    """

    prepare: Callable[[FloatArray], FloatArray]  # the table's features → the trees' matrix
    column_of_feature: IntArray  # trees' column → the table's column
    feature: IntArray  # per node: the trees' column it splits on
    threshold: FloatArray
    left: IntArray
    right: IntArray
    missing_left: BoolArray
    is_leaf: BoolArray
    category_row: IntArray  # per node: its row in go_left_category (-1 for numeric splits)
    go_left_category: BoolArray
    roots: IntArray
    split_layout: IntArray  # trees × bits: the global id of each tree's b-th split, −1 unused
    splits_by_feature: list[tuple[int, IntArray, IntArray]]  # (column, slots, nodes) per kind
    code_table: IntArray | None  # trees × 2**bits: leaf reached for each pattern of decisions
    value: FloatArray  # leaf values (the model's prediction of a leaf), 0 for splits
    path_credit: FloatArray  # (nodes, columns): Σ of the credits on the path to each leaf
    baseline: float  # the model's constant term
    bias: float  # baseline + Σ_trees E(root): the raw score of an "average" customer
    n_columns: int

    @classmethod
    def from_classifier(cls, classifier: Any, n_columns: int) -> TreeEnsemble:
        """Read a fitted binary `HistGradientBoostingClassifier`, once per fit: the arrays are
        kept (weakly, by classifier) for as long as it holds the same fitted trees, so scoring
        a model again does not flatten its trees again."""
        predictors = getattr(classifier, "_predictors", None)
        try:
            known = _BUILT.get(classifier)
        except TypeError:  # not weakly referenceable: read every time
            return cls._read(classifier, n_columns)
        if known is not None and known[0] is predictors and n_columns in known[1]:
            return known[1][n_columns]
        ensemble = cls._read(classifier, n_columns)
        if known is None or known[0] is not predictors:
            known = (predictors, {})
            _BUILT[classifier] = known
        known[1][n_columns] = ensemble
        return ensemble

    @classmethod
    def _read(cls, classifier: Any, n_columns: int) -> TreeEnsemble:
        try:
            if any(len(per_iteration) != 1 for per_iteration in classifier._predictors):
                raise AttributionUnavailable("only a binary classifier has one tree per step")
            predictors = [tree for (tree,) in classifier._predictors]
            baseline = float(np.asarray(classifier._baseline_prediction).ravel()[0])
            known, feature_map = _known_categories(classifier)
            columns = _column_map(classifier, n_columns)
            return _flatten(
                predictors, baseline, known, feature_map, columns, _preparer(classifier)
            )
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            raise AttributionUnavailable(f"unexpected tree layout: {exc}") from exc

    @property
    def split_columns(self) -> set[int]:
        """The table's columns some tree splits on (the others never contribute)."""
        return {int(c) for c in np.unique(self.column_of_feature[self.feature[~self.is_leaf]])}

    def contributions(self, features: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(raw scores, contributions rows × columns) with raw = bias + Σ contributions."""
        rows = features.shape[0]
        raw = np.empty(rows)
        credit = np.empty((rows, self.n_columns))
        step = max(1, CHUNK_PAIRS // max(len(self.roots), 1))
        for start in range(0, rows, step):
            chunk = np.ascontiguousarray(
                self.prepare(features[start : start + step]), dtype=np.float64
            )
            leaves = self.leaves(chunk)  # trees × chunk rows
            # rows × nodes indicator of the leaves reached: one sparse product sums, per row,
            # the leaf values and the path credits of every tree.
            trees, count = leaves.shape
            reached = csr_matrix(
                (np.ones(trees * count), leaves.T.ravel(), np.arange(0, trees * count + 1, trees)),
                shape=(count, len(self.value)),
            )
            raw[start : start + step] = self.baseline + reached @ self.value
            credit[start : start + step] = reached @ self.path_credit
        return raw, credit

    def leaves(self, features: FloatArray) -> IntArray:
        """The leaf (global node id) each tree gives each row: trees × rows."""
        if self.code_table is None:
            return self.walk(features)
        decisions = self.split_decisions(features)  # trees × bits × rows, 0 or 1
        # the ≤ 16 bits in 16-bit words (a quarter of the memory traffic of intp), then made
        # indexes into the flattened table
        packed = decisions[:, 0, :].astype(np.uint16)
        for bit in range(1, decisions.shape[1]):
            packed |= decisions[:, bit, :].astype(np.uint16) << np.uint16(bit)
        code = packed.astype(np.intp)
        code += (np.arange(len(self.roots), dtype=np.intp) << decisions.shape[1])[:, None]
        return np.asarray(self.code_table.ravel()[code], dtype=np.intp)

    def split_decisions(self, features: FloatArray) -> npt.NDArray[np.uint8]:
        """trees × bits × rows: 1 where a row goes left at a split (bit b of tree t is the
        tree's b-th split in node order; unused bits stay 0). One vectorised comparison per
        column covers every split of every tree on that column."""
        rows = features.shape[0]
        trees, bits = self.split_layout.shape
        decisions = np.zeros((trees * bits, rows), dtype=np.uint8)
        for feature, slots, nodes in self.splits_by_feature:
            values = features[:, feature]
            blank = np.isnan(values)
            categories = self.category_row[nodes]
            if categories[0] < 0:  # numeric splits: left when value <= threshold
                decisions[slots] = self.threshold[nodes][:, None] >= values[None, :]
            else:
                outside = blank | (values < 0)
                bins = np.where(outside, 0, values).astype(np.int64) & (CATEGORY_CODES - 1)
                decisions[slots] = self.go_left_category[categories][:, bins]
                blank = outside  # negative codes take the missing-value side
            if blank.any():
                decisions[np.ix_(slots, np.flatnonzero(blank))] = self.missing_left[nodes][:, None]
        return decisions.reshape(trees, bits, rows)

    def walk(self, features: FloatArray) -> IntArray:
        """The leaves (trees × rows) by walking the node arrays level by level over (row, tree)
        pairs: the general route, for trees too large for a code table (and a cross-check in
        the tests)."""
        rows, width = features.shape
        trees = len(self.roots)
        leaf = np.empty(rows * trees, dtype=np.intp)
        pair = np.arange(rows * trees, dtype=np.intp)  # pairs still inside a tree
        node = np.tile(self.roots, rows)
        row_offset = (pair // trees) * width
        flat = features.ravel()
        while pair.size:
            done = self.is_leaf[node]
            if done.any():
                leaf[pair[done]] = node[done]
                keep = ~done
                pair, node, row_offset = pair[keep], node[keep], row_offset[keep]
                if not pair.size:
                    break
            value = flat[row_offset + self.feature[node]]
            blank = np.isnan(value)
            go_left = value <= self.threshold[node]
            category_row = self.category_row[node]
            categorical = category_row >= 0
            if categorical.any():
                code = value[categorical]
                outside = np.isnan(code) | (code < 0)
                bins = np.where(outside, 0, code).astype(np.int64) & (CATEGORY_CODES - 1)
                go_left[categorical] = self.go_left_category[category_row[categorical], bins]
                blank[categorical] |= outside  # negative codes take the missing-value side
            go_left = np.where(blank, self.missing_left[node], go_left)
            node = np.where(go_left, self.left[node], self.right[node])
        return leaf.reshape(rows, trees).T


# fitted classifier → (its `_predictors` when read, {n_columns: ensemble}); a refit replaces
# `_predictors`, which makes the entry stale
_BUILT: WeakKeyDictionary[Any, tuple[Any, dict[int, TreeEnsemble]]] = WeakKeyDictionary()


def _known_categories(classifier: Any) -> tuple[Any, Any]:
    """scikit-learn's bitsets of the categories seen in training, per categorical column."""
    mapper = classifier._bin_mapper
    if not getattr(mapper, "is_categorical_", np.zeros(0)).any():
        return None, None
    known, feature_map = mapper.make_known_categories_bitsets()
    return np.asarray(known), np.asarray(feature_map)


def _preparer(classifier: Any) -> Callable[[FloatArray], FloatArray]:
    """The model's own input preprocessing (validation, category re-encoding)."""
    preprocess = getattr(classifier, "_preprocess_X", None)
    if preprocess is None:  # no preprocessing: the trees read the table's features as they are
        return lambda features: features

    def prepare(features: FloatArray) -> FloatArray:
        return np.asarray(preprocess(features, reset=False), dtype=np.float64)

    return prepare


def _column_map(classifier: Any, n_columns: int) -> IntArray:
    """For each column of the trees' matrix, the table column it comes from."""
    preprocessor = getattr(classifier, "_preprocessor", None)
    if preprocessor is None:
        return np.arange(n_columns, dtype=np.intp)
    mapping = np.full(n_columns, -1, dtype=np.intp)
    for name, _, columns in preprocessor.transformers_:
        out = preprocessor.output_indices_.get(name)
        originals = np.arange(n_columns)[columns] if out is not None else np.zeros(0)
        if out is None or out.stop == out.start:
            continue
        if out.stop - out.start != len(originals):
            raise AttributionUnavailable(f"preprocessing step {name!r} changes the column count")
        mapping[out.start : out.stop] = originals
    if (mapping < 0).any():
        raise AttributionUnavailable("some tree columns come from no table column")
    return mapping


def _bitset_members(bitset: Any) -> BoolArray:
    """Which of the codes 0–255 an 8 × 32-bit scikit-learn bitset holds."""
    words = np.asarray(bitset, dtype=np.uint64)
    codes = np.arange(CATEGORY_CODES)
    return ((words[codes // 32] >> (codes % 32).astype(np.uint64)) & 1).astype(bool)


def _flatten(
    predictors: list[Any],
    baseline: float,
    known: Any,
    feature_map: Any,
    column_of_feature: IntArray,
    prepare: Callable[[FloatArray], FloatArray],
) -> TreeEnsemble:
    n_columns = len(column_of_feature)
    sizes = [len(tree.nodes) for tree in predictors]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    total = int(offsets[-1])
    feature = np.zeros(total, dtype=np.intp)
    threshold = np.zeros(total)
    left = np.arange(total, dtype=np.intp)
    right = np.arange(total, dtype=np.intp)
    missing_left = np.zeros(total, dtype=bool)
    is_leaf = np.zeros(total, dtype=bool)
    category_row = np.full(total, -1, dtype=np.intp)
    value = np.zeros(total)
    expected = np.zeros(total)
    parent = np.full(total, -1, dtype=np.intp)
    categories: list[BoolArray] = []
    for tree, start in zip(predictors, offsets[:-1], strict=True):
        nodes = tree.nodes
        ids = start + np.arange(len(nodes))
        leaf = nodes["is_leaf"].astype(bool)
        split = ~leaf
        is_leaf[ids] = leaf
        feature[ids[split]] = nodes["feature_idx"][split]
        threshold[ids] = nodes["num_threshold"]
        missing_left[ids] = nodes["missing_go_to_left"].astype(bool)
        left[ids[split]] = start + nodes["left"][split]
        right[ids[split]] = start + nodes["right"][split]
        parent[left[ids[split]]] = ids[split]
        parent[right[ids[split]]] = ids[split]
        value[ids[leaf]] = nodes["value"][leaf]
        for index in np.flatnonzero(split & nodes["is_categorical"].astype(bool)).tolist():
            node = nodes[index]
            column = int(node["feature_idx"])
            goes_left = _bitset_members(tree.raw_left_cat_bitsets[int(node["bitset_idx"])])
            seen = _bitset_members(known[int(feature_map[column])])
            # Not in the left set and never seen in training: the missing-value side.
            unknown = ~goes_left & ~seen
            goes_left = goes_left | (unknown & bool(node["missing_go_to_left"]))
            category_row[start + index] = len(categories)
            categories.append(goes_left)
        count = nodes["count"].astype(np.float64)
        # Children come after their parent in scikit-learn's node order, so one backward pass
        # sees both children of a split before the split itself.
        tree_expected = np.where(leaf, nodes["value"], 0.0)
        for position in range(len(nodes) - 1, -1, -1):
            if leaf[position]:
                continue
            low, high = int(nodes["left"][position]), int(nodes["right"][position])
            weight = count[low] + count[high]
            if weight > 0:
                tree_expected[position] = (
                    count[low] * tree_expected[low] + count[high] * tree_expected[high]
                ) / weight
            else:
                tree_expected[position] = 0.5 * (tree_expected[low] + tree_expected[high])
        expected[ids] = tree_expected
    roots = offsets[:-1].copy()
    split_layout, splits_by_feature, code_table = _code_table(
        roots, offsets, is_leaf, feature, category_row, left, right
    )
    credited = column_of_feature[feature]
    path_credit = _path_credits(credited, expected, parent, n_columns)
    bias = baseline + float(expected[roots].sum())
    go_left_category = (
        np.vstack(categories) if categories else np.zeros((1, CATEGORY_CODES), dtype=bool)
    )
    return TreeEnsemble(
        prepare=prepare,
        column_of_feature=column_of_feature,
        feature=feature,
        threshold=threshold,
        left=left,
        right=right,
        missing_left=missing_left,
        is_leaf=is_leaf,
        category_row=category_row,
        go_left_category=go_left_category,
        roots=roots,
        split_layout=split_layout,
        splits_by_feature=splits_by_feature,
        code_table=code_table,
        value=value,
        path_credit=path_credit,
        baseline=baseline,
        bias=bias,
        n_columns=n_columns,
    )


def _code_table(
    roots: IntArray,
    offsets: IntArray,
    is_leaf: BoolArray,
    feature: IntArray,
    category_row: IntArray,
    left: IntArray,
    right: IntArray,
) -> tuple[IntArray, list[tuple[int, IntArray, IntArray]], IntArray | None]:
    """Number each tree's splits 0, 1, …; group every split by (column, numeric or categorical);
    and, when small enough, tabulate the leaf each pattern of left/right decisions reaches (the
    table is built by walking the node arrays level by level over every pattern at once)."""
    trees = len(roots)
    splits = [
        np.flatnonzero(~is_leaf[offsets[t] : offsets[t + 1]]) + offsets[t] for t in range(trees)
    ]
    bits = max([len(s) for s in splits] + [1])
    layout = np.full((trees, bits), -1, dtype=np.intp)
    bit_of = np.zeros(len(is_leaf), dtype=np.intp)
    for tree, nodes in enumerate(splits):
        layout[tree, : len(nodes)] = nodes
        bit_of[nodes] = np.arange(len(nodes))
    slots = np.flatnonzero(layout.ravel() >= 0)
    nodes = layout.ravel()[slots]
    kind = (category_row[nodes] >= 0).astype(np.intp)
    groups: list[tuple[int, IntArray, IntArray]] = []
    for column, categorical in sorted(
        {(int(f), int(k)) for f, k in zip(feature[nodes], kind, strict=True)}
    ):
        member = (feature[nodes] == column) & (kind == categorical)
        groups.append((column, slots[member], nodes[member]))
    if bits > MAX_CODE_BITS or trees * 2**bits > MAX_CODE_ENTRIES:
        return layout, groups, None
    # A leaf is reached by the patterns whose bits on its path say the path's directions (the
    # other bits are free): fill those entries, leaf by leaf, from a walk down each tree.
    codes = np.arange(2**bits, dtype=np.intp)
    table = np.zeros((trees, 2**bits), dtype=np.int32)
    for tree, root in enumerate(roots):
        pending = [(int(root), 0, 0)]  # (node, mask of decided bits, their wanted values)
        while pending:
            node, mask, want = pending.pop()
            if is_leaf[node]:
                table[tree, (codes & mask) == want] = node
                continue
            bit = 1 << int(bit_of[node])
            pending.append((int(left[node]), mask | bit, want | bit))
            pending.append((int(right[node]), mask | bit, want))
    return layout, groups, table


def _path_credits(
    column: IntArray, expected: FloatArray, parent: IntArray, n_columns: int
) -> FloatArray:
    """Per node, the credits per table column on the path from its root: its parent's plus
    the step from the parent (credited to the column the parent splits on)."""
    credit = np.zeros((len(column), n_columns))
    for node in range(len(column)):  # parents precede children (global ids keep tree order)
        above = parent[node]
        if above < 0:
            continue
        credit[node] = credit[above]
        credit[node, column[above]] += expected[node] - expected[above]
    return credit
