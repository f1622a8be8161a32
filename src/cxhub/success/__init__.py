"""Customer Success: subscriptions and revenue, product usage; later health, playbooks."""
