"""Topic discovery throughput: `discover()` over N customer texts (default 100,000; target
< 60 s), next to a plain scikit-learn baseline in the same run (TfidfVectorizer word 1-2 grams
+ KMeans with the same k, one init).

    .venv/bin/python -m benchmarks.bench_topics --data ../shared/data --tickets 100000

Texts are real customer queries recombined into tickets: BANKING77 and Bitext support
utterances (English), Chinese food-delivery reviews (5 %) and Italian tweets (3 %), each with a
random greeting and sign-off ("Hi team,", "order 48213", "thanks") as tickets have. Prints
one JSON object with wall and CPU seconds per stage and the load average before and after
(the benchmark machine may be shared: read the figures with it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.results import Figure, peak_rss_mb, record
from cxhub.experience.topics.discovery import DiscoveryParams, discover

GREETINGS = ("", "", "Hi,", "Hello team,", "Good morning.", "Hey there!", "Dear support,")
SIGN_OFFS = ("", "", "Thanks", "Thank you!", "Regards, Sam", "order {n}", "ref #{n}", "asap pls")


def _rows(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle) if row[column].strip()]


def tickets(data: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """(texts, language of each)."""
    rng = random.Random(seed)
    english = _rows(data / "intents/banking77-train.csv", "text")
    english += _rows(data / "intents/banking77-test.csv", "text")
    english += _rows(data / "tickets/bitext-support-21k.csv", "utterance")
    chinese = _rows(data / "sentiment/zh/waimai-10k.csv", "review")
    italian = (data / "sentiment/it/train_text.txt").read_text(encoding="utf-8").splitlines()
    texts: list[str] = []
    languages: list[str] = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.05:
            texts.append(rng.choice(chinese))
            languages.append("zh")
            continue
        pool, language = (italian, "it") if draw < 0.08 else (english, "en")
        greeting = rng.choice(GREETINGS)
        sign_off = rng.choice(SIGN_OFFS).format(n=rng.randint(10_000, 99_999))
        texts.append(" ".join(p for p in (greeting, rng.choice(pool), sign_off) if p))
        languages.append(language)
    return texts, languages


def timed(run: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-baseline", action="store_true", help="skip the sklearn baseline")
    args = parser.parse_args()
    load_before = os.getloadavg()
    texts, languages = tickets(args.data, args.tickets, args.seed)
    params = DiscoveryParams(seed=args.seed)
    found, wall, cpu = timed(lambda: discover(texts, params=params, languages=languages))
    report: dict[str, Any] = {
        "tickets": len(texts),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "cxhub_discover": {
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            "topics": len(found.topics),
            "topics_per_language": {
                code: sum(1 for t in found.topics if t.language == code)
                for code in sorted({t.language for t in found.topics})
            },
            "unassigned": int((found.assignments < 0).sum()),
            "example_labels": [t.label for t in found.topics[:5]],
        },
    }
    if not args.no_baseline:
        k = max(len(found.topics), 2)

        def baseline() -> Any:
            matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform(
                texts
            )
            return KMeans(n_clusters=k, random_state=args.seed, n_init=1).fit_predict(matrix)

        _, wall, cpu = timed(baseline)
        report["baseline_tfidf_kmeans"] = {"wall_seconds": wall, "cpu_seconds": cpu, "k": k}
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))
    ours = report["cxhub_discover"]
    base = report.get("baseline_tfidf_kmeans")
    record(
        Figure(
            scenario="topics: discovery over ticket texts",
            unit="tickets",
            throughput=len(texts) / ours["wall_seconds"],
            seconds=ours["wall_seconds"],
            peak_mb=peak_rss_mb(),
            baseline_name="scikit-learn TF-IDF + KMeans (same k)" if base else None,
            baseline_seconds=base["wall_seconds"] if base else None,
            target="< 60 s for 100,000 tickets",
            target_met=ours["wall_seconds"] < 60 if len(texts) >= 100_000 else None,
            details={"tickets": len(texts), "topics": ours["topics"],
                     "cpu_seconds": round(ours["cpu_seconds"], 1)},
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
