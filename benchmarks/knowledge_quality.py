"""Knowledge search quality on BANKING77 (PolyAI, CC-BY-4.0): recall@1 and recall@5 of the
right article for real customer questions, per search mode (keyword, semantic, hybrid).

    .venv/bin/python -m benchmarks.knowledge_quality [--examples 10] [--queries 0] [--modes ...]

One article per intent: the title is the intent's name in words (`card_arrival` → "Card
arrival") and the body lists the first `--examples` questions of that intent from the *train*
split, as a FAQ article with its usual phrasings would. The *test* split's questions (3,080;
`--queries N` takes every k-th for a spread subsample of N) are searched; a hit is the article of
the question's intent. Runs on a fresh SQLite database built by the migrations, through the
same `search_articles` the API uses. `tests/knowledge/test_search_quality.py` runs a subsample
in CI with floors well below the figures recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work
from cxhub.core.migrate import upgrade_database
from cxhub.knowledge.articles import service as articles
from cxhub.knowledge.articles.models import ArticleTranslation
from cxhub.knowledge.articles.schemas import ArticleCreate, CollectionCreate
from cxhub.knowledge.search import semantic
from cxhub.knowledge.search.service import SearchMode, search_articles
from cxhub.people import service as people

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "intents"


def read_split(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [(row["text"], row["category"]) for row in csv.DictReader(stream)]


def subsample(rows: Sequence[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """Every k-th row, so each intent keeps its share; all rows when `count` is 0."""
    if count <= 0 or count >= len(rows):
        return list(rows)
    step = len(rows) / count
    return [rows[int(i * step)] for i in range(count)]


def build_library(
    session: Session, *, workspace_id: int, train: Sequence[tuple[str, str]], examples: int
) -> dict[str, int]:
    """One published article per intent; answers intent → article id. Embeddings are
    computed in one batch (the publish job does them one by one)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        if len(by_intent[intent]) < examples:
            by_intent[intent].append(text)
    collection = articles.create_collection(
        session, workspace_id=workspace_id, data=CollectionCreate(name="BANKING77")
    )
    ids: dict[str, int] = {}
    for intent, questions in sorted(by_intent.items()):
        body = "".join(f"<p>{q}</p>" for q in questions)
        article = articles.create_article(
            session,
            workspace_id=workspace_id,
            data=ArticleCreate(
                collection_id=collection.id,
                title=intent.replace("_", " ").capitalize(),
                body_html=body,
                publish=True,
            ),
            created_by_id=None,
        )
        ids[intent] = article.id
    model = semantic.embedder()
    if model is not None:
        translations = session.scalars(
            select(ArticleTranslation).where(ArticleTranslation.article_id.in_(ids.values()))
        ).all()
        vectors = model.passages([semantic.passage_text(t) for t in translations])
        for translation, vector in zip(translations, vectors, strict=True):
            semantic.save_vector(session, translation=translation, model=model, vector=vector)
    session.flush()
    return ids


@dataclass(frozen=True)
class Recall:
    mode: str
    mode_used: str
    queries: int
    at_1: float
    at_5: float
    seconds: float


def evaluate(
    session: Session,
    *,
    workspace_id: int,
    library: dict[str, int],
    questions: Sequence[tuple[str, str]],
    mode: SearchMode,
) -> Recall:
    top1 = top5 = 0
    used = mode.value
    started = time.perf_counter()
    for text, intent in questions:
        outcome = search_articles(
            session, workspace_id=workspace_id, query=text, language="en", mode=mode, limit=5
        )
        used = outcome.mode_used.value
        found = [hit.article_id for hit in outcome.hits]
        top1 += bool(found) and found[0] == library[intent]
        top5 += library[intent] in found
    elapsed = time.perf_counter() - started
    count = len(questions)
    return Recall(mode.value, used, count, top1 / count, top5 / count, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--queries", type=int, default=0, help="0 = all 3,080")
    parser.add_argument("--modes", nargs="*", default=[m.value for m in SearchMode])
    args = parser.parse_args()
    train = read_split(DATA / "banking77-train.csv")
    test = subsample(read_split(DATA / "banking77-test.csv"), args.queries)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.sqlite3"
        upgrade_database(url)
        factory = make_session_factory(make_engine(url))
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bank", name="Bank")
            session.info["workspace_id"] = workspace.id
            library = build_library(
                session, workspace_id=workspace.id, train=train, examples=args.examples
            )
            print(f"{len(library)} articles, {len(test)} questions, {args.examples} examples each")
            print("| mode | used | questions | recall@1 | recall@5 | ms/query |")
            print("|---|---|--:|--:|--:|--:|")
            for mode in args.modes:
                r = evaluate(
                    session,
                    workspace_id=workspace.id,
                    library=library,
                    questions=test,
                    mode=SearchMode(mode),
                )
                print(
                    f"| {r.mode} | {r.mode_used} | {r.queries} | {r.at_1:.3f} | {r.at_5:.3f} "
                    f"| {1000 * r.seconds / r.queries:.1f} |"
                )


if __name__ == "__main__":
    main()
