"""Touchpoints: what happened between a customer and the brand on a channel, at a time, with an
optional sentiment and survey score; the intake for what has no other door (calls, meetings,
social mentions) and the analytics frame journeys read (ADR 0026)."""
