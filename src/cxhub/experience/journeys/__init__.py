"""Journeys: ordered stages, the rules that move a customer between them, each customer's
current stage and stage history, and journey analytics (funnel, time in stage, paths, NPS and
sentiment per stage and channel; ADR 0026)."""
