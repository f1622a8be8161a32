"""Daily rollups of the service KPIs: exact medians and percentiles over long periods without
reading every ticket (ADR 0019, docs/metrics.md#service-dashboard)."""
