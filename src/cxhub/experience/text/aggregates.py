"""The sentiment aggregate of a set of analysed texts (a contact's, an account's): pure
arithmetic on (label, score) pairs so health scores can use it later without the database.

`mean_score` is the average of P(positive) - P(negative) over the texts (-1 .. 1);
`net_sentiment` is (positive texts - negative texts) / texts, like an NPS of the texts.
Example: labels [positive, negative, neutral, positive] with scores [0.8, -0.6, 0.1, 0.5] give
mean_score 0.2 and net_sentiment (2 - 1) / 4 = 0.25.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SentimentSummary:
    texts: int
    positive: int
    neutral: int
    negative: int
    mean_score: float | None
    net_sentiment: float | None


def summarise_sentiment(results: Iterable[tuple[str, float]]) -> SentimentSummary:
    counts = {"positive": 0, "neutral": 0, "negative": 0}
    total = 0.0
    n = 0
    for label, score in results:
        counts[label] = counts.get(label, 0) + 1
        total += score
        n += 1
    if n == 0:
        return SentimentSummary(0, 0, 0, 0, None, None)
    return SentimentSummary(
        n,
        counts["positive"],
        counts["neutral"],
        counts["negative"],
        round(total / n, 4),
        round((counts["positive"] - counts["negative"]) / n, 4),
    )
