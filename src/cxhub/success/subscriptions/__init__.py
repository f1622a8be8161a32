"""Subscriptions (contracts) of accounts and their MRR history, which revenue metrics rebuild."""
