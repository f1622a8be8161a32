"""Which target value means churned."""

from __future__ import annotations

import pytest

from cxhub.analytics.churn import ChurnInputError, infer_positive
from cxhub.analytics.churn.target import churn_labels


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["No", "Yes", "No"], "Yes"),
        (["0", "1"], "1"),
        ([0, 1, 1], "1"),
        ([1.0, 0.0], "1"),
        (["false", "true"], "true"),
        (["Existing Customer", "Attrited Customer"], "Attrited Customer"),
        (["Stayed", "Exited"], "Exited"),
        (["active", "cancelled"], "cancelled"),
        (["current", "gone"], "gone"),
    ],
)
def test_positive_class_is_inferred(values: list[object], expected: str) -> None:
    assert infer_positive(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["red", "blue"], "cannot tell"),
        (["a", "b", "c"], "--positive"),
        (["Yes", "Yes"], "single value"),
    ],
)
def test_ambiguous_or_degenerate_targets_are_refused(values: list[object], message: str) -> None:
    with pytest.raises(ChurnInputError, match=message):
        infer_positive(values)


def test_labels_with_an_explicit_positive_and_a_multi_valued_target() -> None:
    values = ["gold", "silver", "lost"] * 10
    labels, positive = churn_labels(values, "LOST")
    assert positive == "lost"
    assert labels.tolist() == [0, 0, 1] * 10
    with pytest.raises(ChurnInputError, match="not a value"):
        churn_labels(values, "bronze")
    with pytest.raises(ChurnInputError, match="blank"):
        churn_labels(["Yes", ""] * 10, None)
    with pytest.raises(ChurnInputError, match="at least 10"):
        churn_labels(["Yes"] * 3 + ["No"] * 30, None)
