"""Tests of the pure SLA modules: calendars, the clock and policy selection."""
