"""Account health: scorecards, daily scores, band changes (docs/health.md)."""
