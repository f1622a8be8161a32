"""Service-level agreements: business calendars, the SLA clock and policy selection (pure code)."""
