"""Offline multilingual text analytics: language, sentiment and topics of customer text
(docs/text-analytics.md, ADR 0024)."""
