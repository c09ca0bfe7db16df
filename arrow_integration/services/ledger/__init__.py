"""The append-only ledger: who changed which Arrow-sourced amount or configuration, when, and why.

`actor` says who is acting (the request's user, the run, a command), `record` writes the entries
of invoice items, `configuration` those of settings and mappings. Writers call them inside the
transaction of their own write, so an entry exists exactly when its change does.
"""
