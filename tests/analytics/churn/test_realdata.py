"""The churn model against the plain gradient boosting baseline on the three public churn sets.

The two 10,000-row sets are subsampled (stratified, fixed seed) to 4,000 rows to keep CI time
reasonable on two cores; the full 5-fold figures on every row are in docs/metrics.md ("Churn
risk"), produced by `cxhub churn evaluate`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.model_selection import train_test_split

from cxhub.analytics.churn import CustomerTable, evaluate, read_csv

pytestmark = pytest.mark.realdata

TOLERANCE = 0.01  # ROC AUC; fold-to-fold spread on these sets is about ±0.01
SUBSAMPLE_ROWS = 4000


def _stratified_sample(table: CustomerTable, target: str, rows: int) -> CustomerTable:
    if table.row_count <= rows:
        return table
    keep, _ = train_test_split(
        list(range(table.row_count)),
        train_size=rows,
        stratify=table.column(target),
        random_state=0,
    )
    return table.take(sorted(keep))


@pytest.mark.parametrize(
    ("file", "target", "positive", "floor"),
    [
        ("telco-customer-churn.csv", "Churn", "Yes", 0.83),
        ("bank-churn-modelling.csv", "Exited", "1", 0.84),
        ("bankchurners.csv", "Attrition_Flag", "Attrited Customer", 0.97),
    ],
)
def test_matches_or_beats_the_gradient_boosting_baseline(
    shared_data: Path, file: str, target: str, positive: str, floor: float
) -> None:
    table = _stratified_sample(read_csv(shared_data / "churn" / file), target, SUBSAMPLE_ROWS)
    report = evaluate(table, target)
    assert report["positive"] == positive
    assert report["roc_auc"] >= floor
    assert report["roc_auc"] >= report["baseline"]["roc_auc"] - TOLERANCE
    assert report["brier"] <= report["baseline"]["brier"] + 0.005
