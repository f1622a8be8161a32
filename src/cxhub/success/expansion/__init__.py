"""Expansion: the plan catalogue and upsell / cross-sell opportunities (docs/expansion.md)."""
