"""The one customer record: accounts, contacts, identity resolution and the timeline."""
