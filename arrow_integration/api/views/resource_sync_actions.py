"""Resource import actions of /api/admin/arrow/billing-syncs/ (being built)."""


class ResourceSyncActionsMixin:
    pass
