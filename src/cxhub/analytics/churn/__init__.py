"""Churn risk on any customer table (no database access): column types inferred, identifiers
dropped, calibrated gradient-boosted trees, global and per-customer drivers (ADR 0014; the
per-customer drivers read off the trees' paths, ADR 0032)."""

from cxhub.analytics.churn.drivers import Driver
from cxhub.analytics.churn.errors import ChurnInputError
from cxhub.analytics.churn.evaluation import evaluate
from cxhub.analytics.churn.model import ChurnModel
from cxhub.analytics.churn.schema import ColumnKind, TableSchema, infer_schema
from cxhub.analytics.churn.table import CustomerTable, as_table, read_csv
from cxhub.analytics.churn.target import infer_positive
from cxhub.analytics.churn.training import load_model, save_model, score, train

__all__ = [
    "ChurnInputError",
    "ChurnModel",
    "ColumnKind",
    "CustomerTable",
    "Driver",
    "TableSchema",
    "as_table",
    "evaluate",
    "infer_positive",
    "infer_schema",
    "load_model",
    "read_csv",
    "save_model",
    "score",
    "train",
]
