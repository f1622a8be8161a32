"""Customer Service: the helpdesk."""
