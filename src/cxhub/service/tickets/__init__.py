"""Tickets: the helpdesk's unit of work, its thread of messages and its lifecycle."""
