"""Text analytics throughput: texts per CPU-second of language + sentiment + topics, per mode.

    taskset -c 0 .venv/bin/python -m benchmarks.bench_text_analytics --data ../shared/data

CPU time (all threads) is measured, so the figure is per core whatever else runs on the machine;
pin the process with `taskset` for a one-core wall-clock figure. Texts: BANKING77 test queries
(short) and a mix of the held-out sentiment sets (tweets and reviews, 5 languages).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.results import Figure, record
from cxhub.experience.text import datasets as ds
from cxhub.experience.text.artefact import bundled_models
from cxhub.experience.text.embeddings import accurate_available
from cxhub.experience.text.evaluation import held_out_sets, throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--texts", type=int, default=2000, help="texts per fast-mode run")
    parser.add_argument("--accurate-texts", type=int, default=64)
    args = parser.parse_args()
    models = bundled_models()
    queries = ds.banking77(args.data, "test").texts[: args.texts]
    per_set = max(1, args.texts // 6)
    mixed = [t for data in held_out_sets(args.data, per_set=per_set).values() for t in data.texts]
    report = {
        "model_version": models.version,
        "fast_banking77_queries": throughput(models, queries, accurate=False),
        "fast_mixed_held_out": throughput(models, mixed, accurate=False),
    }
    if accurate_available():
        report["accurate_banking77_queries"] = throughput(
            models, queries[: args.accurate_texts], accurate=True
        )
    print(json.dumps(report))
    for key, value in report.items():
        if isinstance(value, float):
            fast = key.startswith("fast")
            record(
                Figure(
                    scenario=f"text analytics: {key.replace('_', ' ')}",
                    unit="texts per CPU",
                    throughput=value,
                    target=">= 1,000 texts/s per core" if fast else "~40 texts/s per core",
                    target_met=value >= 1000 if fast else None,
                )
            )


if __name__ == "__main__":
    main()
