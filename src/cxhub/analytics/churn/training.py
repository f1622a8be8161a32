"""Train a churn model on a whole table, score new customers, and keep a model in a file.

`train` holds out a stratified 20 % to measure the global drivers (permutation importance needs
rows the model has not seen), then refits on every row for the saved model.

A model file is a joblib pickle of a dict: a format tag, the cxhub and scikit-learn versions that
wrote it, the column schema and the fitted model. `load_model` refuses a file of another format
or version (a pickled scikit-learn model is only guaranteed to work with the version that wrote
it) with a message saying to retrain; `score` refuses data that lacks the model's columns.
Pickles run code when loaded: load only model files you made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

import cxhub
from cxhub.analytics.churn.drivers import Driver
from cxhub.analytics.churn.errors import ChurnInputError
from cxhub.analytics.churn.model import DEFAULT_SEED, ChurnModel
from cxhub.analytics.churn.schema import FloatArray, infer_schema
from cxhub.analytics.churn.table import as_table
from cxhub.analytics.churn.target import churn_labels

MODEL_FORMAT = "cxhub-churn-model/1"
HOLDOUT_SHARE = 0.2


def train(
    frame: Any, target: str, positive: str | None = None, *, seed: int = DEFAULT_SEED
) -> ChurnModel:
    table = as_table(frame)
    labels, chosen = churn_labels(table.column(target), positive, target)
    customers = table.without(target)
    schema = infer_schema(customers)
    if not schema.features:
        raise ChurnInputError("no usable columns besides the target and identifiers")
    features = schema.encode(customers)
    rows = np.arange(len(labels))
    fit_rows, holdout_rows = train_test_split(
        rows, test_size=HOLDOUT_SHARE, stratify=labels, random_state=seed
    )
    probe = ChurnModel.fit_matrix(
        schema, features[fit_rows], labels[fit_rows], target=target, positive=chosen, seed=seed
    )
    drivers = probe.permutation_drivers(features[holdout_rows], labels[holdout_rows])
    model = ChurnModel.fit_matrix(
        schema, features, labels, target=target, positive=chosen, seed=seed
    )
    model.global_drivers = drivers
    return model


def score(model: ChurnModel, frame: Any) -> tuple[FloatArray, list[list[Driver]]]:
    return model.score_table(as_table(frame))


def save_model(model: ChurnModel, path: Path | str) -> None:
    joblib.dump(
        {
            "format": MODEL_FORMAT,
            "cxhub_version": cxhub.__version__,
            "sklearn_version": sklearn.__version__,
            "columns": model.schema.describe(),
            "model": model,
        },
        path,
    )


def load_model(path: Path | str) -> ChurnModel:
    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise ChurnInputError(f"model file not found: {path}") from None
    except Exception as exc:  # a truncated or foreign file fails in many ways inside unpickling
        raise ChurnInputError(f"{path} is not a cxhub churn model ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ChurnInputError(f"{path} is not a cxhub churn model")
    made_by = (payload.get("cxhub_version"), payload.get("sklearn_version"))
    running = (cxhub.__version__, sklearn.__version__)
    if made_by != running:
        raise ChurnInputError(
            f"{path} was trained by cxhub {made_by[0]} with scikit-learn {made_by[1]}; this is "
            f"cxhub {running[0]} with scikit-learn {running[1]}: train the model again"
        )
    model = payload["model"]
    if not isinstance(model, ChurnModel):
        raise ChurnInputError(f"{path} is not a cxhub churn model")
    return model
