"""CSAT: the one-question satisfaction survey sent when a ticket is solved."""
