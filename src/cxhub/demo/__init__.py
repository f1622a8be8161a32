"""The demo workspace behind `cxhub serve --demo`.

A believable B2B SaaS vendor ("Lumora", a product-analytics tool) with its accounts, contacts,
staff and a year of touchpoints, generated from a seed so every run shows the same story. The
generator (`dataset`, `company`, `contacts`, `touchpoints`) is pure Python with no database; only
`writer` and `seed` touch the database, so the data can be tested without one.
"""
