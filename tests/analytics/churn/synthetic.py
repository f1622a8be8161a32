"""A hand-made customer table whose churn depends on known columns (builders for the tests)."""

from __future__ import annotations

from typing import Any

import numpy as np


def customer_table(rows: int = 1200, seed: int = 7) -> dict[str, list[Any]]:
    """Churn rises with monthly contracts, support tickets and short tenure; `region` is noise."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Monthly", "Annual", "Two years"], size=rows, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(1, 72, size=rows)
    tickets = rng.poisson(2.0, size=rows)
    region = rng.choice(["north", "south", "east", "west"], size=rows)
    spend = rng.gamma(2.0, 40.0, size=rows).round(2)
    logit = (
        -1.2
        + 1.6 * (contract == "Monthly")
        - 0.04 * tenure
        + 0.45 * tickets
        - 0.8 * (contract == "Two years")
    )
    churned = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))
    spend_text = [" " if i % 97 == 0 else f"{value:.2f}" for i, value in enumerate(spend)]
    return {
        "account_id": [f"ACC-{i:05d}" for i in range(rows)],
        "contract": contract.tolist(),
        "tenure_months": [str(t) for t in tenure],
        "support_tickets": [str(t) for t in tickets],
        "region": region.tolist(),
        "monthly_spend": spend_text,
        "auto_renew": ["Yes" if (i * 7) % 3 else "No" for i in range(rows)],
        "churned": ["Yes" if c else "No" for c in churned],
    }
