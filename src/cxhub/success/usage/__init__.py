"""Product-usage ingestion compatible with the Segment HTTP tracking API (docs/tracking.md)."""
