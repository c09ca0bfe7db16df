"""Consumption actions of /api/admin/arrow/billing-syncs/ (being built)."""


class ConsumptionActionsMixin:
    pass
