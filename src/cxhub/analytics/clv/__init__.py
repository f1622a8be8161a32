"""Customer lifetime value models on plain arrays (no database): BG/NBD purchase counts,
Gamma-Gamma spend, the shifted-beta-geometric retention model for subscriptions, the RFM summary
of a transaction log and the discounted CLV that combines them. Definitions: docs/metrics.md."""
