"""Ticket triggers, time-based automations and macros, as a pure rule engine.

No database here: rules are Pydantic models stored as JSON (`rules`, built from `conditions` and
`actions`), a ticket is a frozen `TicketSnapshot`, and `engine` turns rules plus a snapshot into a
new snapshot and typed side effects (`effects`) that the integrator applies inside its own
transaction. `templates` validates and renders placeholders in a sandbox. See docs/automations.md.
"""
