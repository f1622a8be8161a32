"""The shared metric layer: every metric defined once (docs/metrics.md), read by API and pages."""
