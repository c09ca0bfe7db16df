"""License actions of /api/admin/arrow/customer-mappings/{uuid}/ (being built)."""


class LicenseActionsMixin:
    pass
