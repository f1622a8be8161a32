"""Readers for the labelled public data sets under `../shared/data` (never shipped, never copied).

Only the sets whose licence allows it are used for training (see `TRAINABLE`); the others are
evaluation only. Every reader answers `LabelledTexts` with labels in our three sentiment classes
(`negative`, `neutral`, `positive`) or, for intents, the data set's own intent names.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

SENTIMENT_LABELS = ("negative", "neutral", "positive")
_NUMERIC_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

#: Training sets and their licences (the provenance written in docs/text-analytics.md).
TRAINABLE = {
    "sentiment/en (XLM-T/UMSAB SemEval tweets)": "Apache-2.0",
    "sentiment/it (XLM-T/UMSAB SENTIPOLC tweets)": "Apache-2.0",
    "sentiment/id (IndoNLU SmSA)": "Apache-2.0",
    "intents/banking77 (PolyAI)": "CC-BY-4.0",
    "tickets/bitext-support-21k (Bitext)": "CDLA-Sharing-1.0",
}


@dataclass(frozen=True)
class LabelledTexts:
    language: str
    texts: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def sample(self, size: int, *, seed: int = 7) -> LabelledTexts:
        """A reproducible random subsample (all rows when `size` is larger)."""
        if size >= len(self.texts):
            return self
        picked = sorted(random.Random(seed).sample(range(len(self.texts)), size))  # noqa: S311 - reproducible sampling
        return LabelledTexts(
            self.language, [self.texts[i] for i in picked], [self.labels[i] for i in picked]
        )

    def __add__(self, other: LabelledTexts) -> LabelledTexts:
        language = self.language if self.language == other.language else "mixed"
        return LabelledTexts(language, self.texts + other.texts, self.labels + other.labels)


def _unescape(text: str) -> str:
    """The XLM-T English files carry literal `\\u2019`-style escapes; turn them into characters."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _xlmt(root: Path, language: str, split: str) -> LabelledTexts:
    folder = root / "sentiment" / language
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split("\n")
    pairs = [
        (_unescape(t).strip(), _NUMERIC_LABELS[y.strip()])
        for t, y in zip(texts, labels, strict=False)
        if y.strip()
    ]
    return LabelledTexts(language, [t for t, _ in pairs], [y for _, y in pairs])


def _smsa(root: Path, split: str) -> LabelledTexts:
    texts: list[str] = []
    labels: list[str] = []
    path = root / "sentiment" / "id" / f"smsa-{split}.tsv"
    for line in path.read_text(encoding="utf-8").split("\n"):
        if "\t" in line:
            text, label = line.rsplit("\t", 1)
            texts.append(text.strip())
            labels.append(label.strip())
    return LabelledTexts("id", texts, labels)


def sentiment_split(root: Path, language: str, split: str) -> LabelledTexts:
    """`split` is train, valid or test, for the trainable sets en, it and id."""
    if language == "id":
        return _smsa(root, split)
    return _xlmt(root, language, {"valid": "val"}.get(split, split))


def sentiment_training_sets(root: Path) -> list[LabelledTexts]:
    """Train + valid of every trainable sentiment set, one entry per language."""
    return [
        sentiment_split(root, lang, "train") + sentiment_split(root, lang, "valid")
        for lang in ("en", "it", "id")
    ]


def chinese_reviews(root: Path, name: str) -> LabelledTexts:
    """Evaluation only (no licence stated): binary, 1 positive, 0 negative."""
    texts: list[str] = []
    labels: list[str] = []
    with (root / "sentiment" / "zh" / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            review = (row.get("review") or "").strip()
            if review:
                texts.append(review)
                labels.append("positive" if row["label"].strip() == "1" else "negative")
    return LabelledTexts("zh", texts, labels)


def olist_reviews(root: Path) -> LabelledTexts:
    """Evaluation only (CC BY-NC-SA): scores 1-2 negative, 3 neutral, 4-5 positive."""
    texts: list[str] = []
    labels: list[str] = []
    path = root / "reviews" / "olist-order-reviews-sample.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parts = (row.get("review_comment_title") or "", row.get("review_comment_message") or "")
            text = ". ".join(part.strip() for part in parts if part.strip())
            if text:
                score = int(row["review_score"])
                texts.append(text)
                labels.append("negative" if score <= 2 else "neutral" if score == 3 else "positive")
    return LabelledTexts("pt", texts, labels)


def banking77(root: Path, split: str) -> LabelledTexts:
    with (root / "intents" / f"banking77-{split}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return LabelledTexts("en", [r["text"] for r in rows], [r["category"] for r in rows])


def bitext(root: Path) -> LabelledTexts:
    path = root / "tickets" / "bitext-support-21k.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return LabelledTexts("en", [r["utterance"] for r in rows], [r["intent"] for r in rows])


def split_holdout(
    data: LabelledTexts, *, share: float, seed: int = 7
) -> tuple[LabelledTexts, LabelledTexts]:
    """A reproducible (train, held-out) split for sets that come without one (Bitext)."""
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)  # noqa: S311 - reproducible split
    cut = int(len(order) * (1 - share))

    def pick(idx: list[int]) -> LabelledTexts:
        return LabelledTexts(
            data.language, [data.texts[i] for i in idx], [data.labels[i] for i in idx]
        )

    return pick(sorted(order[:cut])), pick(sorted(order[cut:]))
