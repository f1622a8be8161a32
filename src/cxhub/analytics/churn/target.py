"""The churn label: which value of the target column means "churned".

When `--positive` is not given and the target has exactly two values, the positive one is
chosen by these rules, in order (case-insensitive):

1. a value that reads as yes/true/1 (`Yes`, `TRUE`, `1`, `y`) against one that reads as
   no/false/0;
2. a value naming a churn (a word starting with `churn`, `attrit`, `exit`, `left`, `leav`,
   `cancel`, `lost`, `lapse`, `terminat`, `close`, `inactive`, e.g. `Attrited Customer`,
   `Exited`, `cancelled`) against one that does not;
3. the other value, when exactly one names staying (`no`, `false`, `0`, `existing`, `active`,
   `retained`, `stayed`, `current`, `open`).

Anything else is ambiguous and an error that asks for `--positive`. A target with more than two
values needs `--positive` (every other value is "not churned"); a single value is an error.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cxhub.analytics.churn.errors import ChurnInputError
from cxhub.analytics.churn.schema import FALSE_TOKENS, TRUE_TOKENS, is_missing

CHURN_STEMS = ("churn", "attrit", "exit", "left", "leav", "cancel", "lost", "lapse", "terminat")
CHURN_STEMS_EXTRA = ("close", "inactive")
STAY_WORDS = frozenset(
    {"no", "false", "0", "existing", "active", "retained", "stayed", "current", "open"}
)
MIN_CLASS_ROWS = 10


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", value.lower()) if w]


def _names_churn(value: str) -> bool:
    stems = CHURN_STEMS + CHURN_STEMS_EXTRA
    return any(word.startswith(stems) for word in _words(value))


def _names_staying(value: str) -> bool:
    return any(word in STAY_WORDS for word in _words(value))


def infer_positive(values: Sequence[Any], target: str = "target") -> str:
    seen = sorted({_text(v) for v in values if not is_missing(v)})
    if len(seen) < 2:
        raise ChurnInputError(f"target {target!r} has a single value; churn needs two classes")
    if len(seen) > 2:
        shown = ", ".join(repr(v) for v in seen[:5])
        raise ChurnInputError(
            f"target {target!r} has {len(seen)} values ({shown}…); say which means churned "
            "with --positive"
        )
    first, second = seen
    tokens = (first.lower(), second.lower())
    if tokens[0] in TRUE_TOKENS and tokens[1] in FALSE_TOKENS:
        return first
    if tokens[1] in TRUE_TOKENS and tokens[0] in FALSE_TOKENS:
        return second
    churny = [v for v in seen if _names_churn(v)]
    if len(churny) == 1:
        return churny[0]
    staying = [v for v in seen if _names_staying(v)]
    if len(staying) == 1:
        return second if staying[0] == first else first
    raise ChurnInputError(
        f"cannot tell which of {first!r} and {second!r} means churned in {target!r}; "
        "give --positive"
    )


def churn_labels(
    values: Sequence[Any], positive: str | None, target: str = "target"
) -> tuple[npt.NDArray[np.int_], str]:
    """1 for churned rows, 0 for the others; rows with a blank target are an error."""
    blanks = sum(1 for v in values if is_missing(v))
    if blanks:
        raise ChurnInputError(f"target {target!r} is blank in {blanks} rows; fill or remove them")
    chosen = infer_positive(values, target) if positive is None else positive.strip()
    texts = [_text(v) for v in values]
    if chosen not in texts:
        lowered = {t.lower(): t for t in texts}
        if chosen.lower() not in lowered:
            shown = ", ".join(repr(v) for v in sorted(set(texts))[:5])
            raise ChurnInputError(f"--positive {chosen!r} is not a value of {target!r} ({shown})")
        chosen = lowered[chosen.lower()]
    labels = np.array([1 if t == chosen else 0 for t in texts], dtype=np.int_)
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise ChurnInputError(f"target {target!r} has a single class; churn needs two")
    if min(counts.values()) < MIN_CLASS_ROWS:
        raise ChurnInputError(
            f"target {target!r} needs at least {MIN_CLASS_ROWS} churned and {MIN_CLASS_ROWS} "
            f"retained rows (has {counts[1]} and {counts[0]})"
        )
    return labels, chosen
