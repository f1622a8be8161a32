"""Automatic ticket assignment: per-team modes, agent capacity and languages."""
