"""Did the customer have to repeat what another channel already held? A pure heuristic on two
texts: the first customer message of a later ticket and the first customer message of an earlier
contact on another channel (docs/metrics.md, "Repeated-information share").

Why this shape: customers who are made to repeat themselves either paste the same description
again (high overlap of character trigrams, which works for any script, Chinese included, without
a tokenizer) or re-state the identifiers the first channel already had (an order number, an
invoice id, an e-mail address). Either is enough:

- the texts' character trigrams overlap: containment (shared ÷ the smaller set's) ≥
  `CONTAINMENT_THRESHOLD` (0.75) *and* Jaccard (shared ÷ union) ≥ `JACCARD_THRESHOLD` (0.3) —
  containment keeps a re-statement with a greeting or an "as I said by e-mail" in front,
  Jaccard keeps a one-line text from matching any long text that happens to contain it; or
- both texts share an identifier-like token: ≥ 5 characters mixing letters/punctuation with at
  least 3 digits (`ORD-48213`, `INV2026-77`), or an e-mail address.

Example: "My order ORD-48213 never arrived" then "Hi, order ORD-48213 still not here" share the
identifier → repeated.

Measured on the Bitext support utterances (tests/analytics/test_repeated_information.py):
a re-statement (a lead-in added, one word dropped) is caught ≈ 96 % of the time, two random
utterances match ≈ 0.4 %, two *different* utterances of the same intent ≈ 9 % (paraphrases of
one request, which are close to repeating it). "How do I reset my password?" then "Where is my invoice for May?" share
neither → not repeated.
"""

from __future__ import annotations

import re

CONTAINMENT_THRESHOLD = 0.75
JACCARD_THRESHOLD = 0.3
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w@.+-]+", re.UNICODE)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$", re.UNICODE)


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def trigrams(text: str) -> frozenset[str]:
    value = normalise(text)
    if len(value) < 3:
        return frozenset({value}) if value else frozenset()
    return frozenset(value[i : i + 3] for i in range(len(value) - 2))


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def containment(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def identifiers(text: str) -> frozenset[str]:
    """Order numbers, ticket/invoice ids and e-mail addresses named in a text."""
    found = set()
    for token in _TOKEN.findall(text.casefold()):
        token = token.strip(".-+")
        if _EMAIL.match(token) or (len(token) >= 5 and sum(c.isdigit() for c in token) >= 3):
            found.add(token)
    return frozenset(found)


def repeats_information(later: str, earlier: str) -> bool:
    """True when `later` repeats what `earlier` (said on another channel) already held."""
    if identifiers(later) & identifiers(earlier):
        return True
    first, second = trigrams(later), trigrams(earlier)
    return (
        containment(first, second) >= CONTAINMENT_THRESHOLD
        and jaccard(first, second) >= JACCARD_THRESHOLD
    )
