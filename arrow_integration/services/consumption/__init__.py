"""Consumption tracking: period sync, reconciliation, history, cleanup, raw look-ups at Arrow."""
