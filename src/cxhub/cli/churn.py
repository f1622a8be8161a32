"""`cxhub churn evaluate|train|score`: the churn-risk model on a CSV customer table.

No database: the commands read a file and write JSON, a model file or a CSV. Bad input (missing
or single-class target, unreadable file, ambiguous positive class, a model from another version)
prints one `error:` line and exits with status 2 (usage) or 1; never a traceback.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

from cxhub.cli.context import fail

churn_app = typer.Typer(help="Churn-risk model on a customer table (CSV).", no_args_is_help=True)

DATA_HELP = "CSV file with one row per customer and a header row."
TARGET_HELP = "Column that says whether the customer churned."
POSITIVE_HELP = "Target value meaning churned (default: inferred, e.g. Yes, 1, true, Exited)."
SEED_HELP = "Seed for folds, trees and shuffles (same seed, same numbers)."
TOP_DRIVERS = 3


def _readable(path: Path) -> Path:
    if not path.is_file():
        raise fail(f"file not found: {path}", code=2)
    return path


@churn_app.command("evaluate")
def evaluate_command(
    data: Path = typer.Option(..., "--data", help=DATA_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    positive: str | None = typer.Option(None, "--positive", help=POSITIVE_HELP),
    seed: int = typer.Option(42, "--seed", help=SEED_HELP),
) -> None:
    """Stratified 5-fold quality of the model and of a gradient boosting baseline, as JSON."""
    from cxhub.analytics.churn import ChurnInputError, evaluate, read_csv

    try:
        result = evaluate(read_csv(_readable(data)), target, positive, seed=seed)
    except ChurnInputError as exc:
        raise fail(str(exc), code=2) from None
    typer.echo(json.dumps(result, ensure_ascii=False))


@churn_app.command("train")
def train_command(
    data: Path = typer.Option(..., "--data", help=DATA_HELP),
    target: str = typer.Option(..., "--target", help=TARGET_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="Model file to write."),
    positive: str | None = typer.Option(None, "--positive", help=POSITIVE_HELP),
    seed: int = typer.Option(42, "--seed", help=SEED_HELP),
) -> None:
    """Fit the model on every row and save it with its column schema."""
    from cxhub.analytics.churn import ChurnInputError, read_csv, save_model, train

    try:
        model = train(read_csv(_readable(data)), target, positive, seed=seed)
        save_model(model, output)
    except ChurnInputError as exc:
        raise fail(str(exc), code=2) from None
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    summary = {
        "model": str(output),
        "target": model.target,
        "positive": model.positive,
        "features": model.schema.feature_names,
        "dropped": [
            c["column"] for c in model.schema.describe() if c["kind"] in ("identifier", "dropped")
        ],
        "top_drivers": model.global_drivers,
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))


@churn_app.command("score")
def score_command(
    model_path: Path = typer.Option(..., "--model", help="Model file from `cxhub churn train`."),
    data: Path = typer.Option(..., "--data", help=DATA_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="CSV file to write."),
) -> None:
    """Churn probability and the top 3 drivers of every customer row, as CSV."""
    from cxhub.analytics.churn import ChurnInputError, load_model, read_csv, score

    try:
        model = load_model(_readable(model_path))
        table = read_csv(_readable(data))
        risks, drivers = score(model, table)
    except ChurnInputError as exc:
        raise fail(str(exc), code=2) from None
    identifiers = [name for name in model.schema.identifiers if name in table.columns]
    header = [*identifiers, "churn_probability"]
    for rank in range(1, TOP_DRIVERS + 1):
        header += [f"driver_{rank}", f"driver_{rank}_value", f"driver_{rank}_effect"]
    try:
        with open(output, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row, (risk, row_drivers) in enumerate(zip(risks, drivers, strict=True)):
                cells: list[object] = [table.columns[name][row] for name in identifiers]
                cells.append(f"{risk:.4f}")
                for rank in range(TOP_DRIVERS):
                    if rank < len(row_drivers):
                        d = row_drivers[rank]
                        cells += [d.column, d.value, f"{d.effect:+.4f}"]
                    else:
                        cells += ["", "", ""]
                writer.writerow(cells)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"scored {len(risks)} customers into {output}", err=True)
