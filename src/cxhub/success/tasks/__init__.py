"""CSM tasks: follow-ups on an account, created by hand or by a playbook run."""
