"""Customer Success: usage, revenue, health, churn, playbooks."""
