"""Bulk import and export of accounts, contacts and interactions (CSV and JSON Lines).

Split by use case: `readers` streams rows out of files; `mapping` decides which column feeds
which field (pure); `records` / `interaction_records` validate a row into one record (pure);
`accounts_import`, `contacts_import`, `interactions_import` write a batch of records with a
handful of set-based queries; `exporter` streams records back out; `tasks` is the edge that
commits batch by batch, so a failing batch never loses the batches before it.
See docs/import-export.md.
"""
