"""The email channel's building blocks: parse inbound mail, compose replies, receive mail over
SMTP and send it through a relay. Nothing here touches the database; the ticket services decide
what a parsed email means for a ticket."""
