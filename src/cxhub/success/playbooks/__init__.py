"""Playbooks: a trigger, account conditions and actions, fired once per condition episode.

`definition` holds the pure shapes (validated JSON), `episodes` the pure once-per-episode rule,
`signals` reads what each trigger looks at, `runner` fires runs and applies `actions`,
`webhooks` signs and delivers webhook posts. See docs/playbooks.md.
"""
