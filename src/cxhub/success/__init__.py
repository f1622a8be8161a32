"""Customer Success: subscriptions and revenue; later usage, health, playbooks, CLV."""
