"""The CSM cockpit: one page with a CSM's accounts, renewals and tasks."""
