"""The repeated-information heuristic on hand-made pairs and on real support utterances
(Bitext): re-statements are caught, unrelated texts are not."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from cxhub.analytics.repeated_information import (
    containment,
    identifiers,
    jaccard,
    repeats_information,
    trigrams,
)


def test_shared_identifier_is_repeated_information() -> None:
    assert identifiers("Order ORD-48213 never arrived, mail me at ada@example.com") == {
        "ord-48213",
        "ada@example.com",
    }
    assert repeats_information(
        "Hi, order ORD-48213 still not here", "My order ORD-48213 never arrived"
    )
    # Numbers too short or too few digits are not identifiers.
    assert identifiers("call me at 12 or 1234") == frozenset()


def test_restated_text_is_repeated_and_unrelated_is_not() -> None:
    earlier = "I cannot log in to my account since the update yesterday"
    assert repeats_information(
        "As I said by email: I cannot log in to my account since the update", earlier
    )
    assert not repeats_information("Where is my invoice for May?", "How do I reset my password?")
    assert not repeats_information("", earlier)


def test_trigram_overlaps_by_hand() -> None:
    # "abcd" → {abc, bcd}; "abce" → {abc, bce}: 1 shared, union 3, smaller set 2.
    first, second = trigrams("ABCD"), trigrams("abce")
    assert first == {"abc", "bcd"}
    assert jaccard(first, second) == pytest.approx(1 / 3)
    assert containment(first, second) == pytest.approx(1 / 2)
    assert trigrams("  a \n b ") == {"a b"}


@pytest.mark.realdata
def test_bitext_restatements_caught_unrelated_pairs_not(shared_data: Path) -> None:
    path = shared_data / "tickets" / "bitext-support-21k.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(7)
    by_intent: dict[str, list[str]] = {}
    for row in rows:
        by_intent.setdefault(row["intent"], []).append(row["utterance"])
    lead_ins = ("Hi, I already wrote this by email: ", "As I said in the chat, ", "Again: ", "")
    caught = 0
    for _ in range(1000):
        words = rng.choice(rows)["utterance"].split()
        original = " ".join(words)
        if len(words) > 4:
            drop = rng.randrange(len(words))
            words = words[:drop] + words[drop + 1 :]
        caught += repeats_information(rng.choice(lead_ins) + " ".join(words), original)
    random_pairs = sum(
        repeats_information(rng.choice(rows)["utterance"], rng.choice(rows)["utterance"])
        for _ in range(1000)
    )
    paraphrases = 0
    intents = sorted(by_intent)
    for _ in range(1000):
        first, second = rng.sample(by_intent[rng.choice(intents)], 2)
        paraphrases += repeats_information(first, second)
    assert caught / 1000 >= 0.93
    assert random_pairs / 1000 <= 0.02
    assert paraphrases / 1000 <= 0.15
