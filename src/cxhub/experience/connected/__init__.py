"""Connected experience: the CX dashboard, its composable sections and the experience metrics
API (docs/experience.md)."""
