"""Daily rollups of the service KPIs: exact medians and percentiles over long periods without
reading every ticket (ADR 0016, docs/metrics.md#service-dashboard)."""
