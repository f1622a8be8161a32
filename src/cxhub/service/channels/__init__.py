"""Non-email channels: the one inbound interface, webhook channels, phone calls, the web form."""
