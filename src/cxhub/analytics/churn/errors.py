"""The one error the churn pipeline raises for bad input: the CLI prints its message."""

from __future__ import annotations


class ChurnInputError(ValueError):
    """The table, target or model file cannot be used; the message says why and what to do."""
