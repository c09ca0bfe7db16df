"""Domain errors of the consumption services and the look-ups that raise them, before any write.

The consumption endpoints answer these errors as `{"error": message}` (the upstream shape) with
the status the error class names (400, or 404 for an unknown object); services never build HTTP
responses themselves.
"""

from arrow_integration.models import ArrowSettings
from arrow_integration.selectors.configuration import active_settings_get
from core.models import Resource


class ConsumptionActionError(Exception):
    """A consumption request that cannot be served; `http_status` says how the API answers it."""

    http_status = 400


class ObjectNotFound(ConsumptionActionError):
    """A resource or settings row named by the request does not exist."""

    http_status = 404


class NoActiveSettings(ConsumptionActionError):
    def __init__(self) -> None:
        super().__init__("No active Arrow settings are configured.")


def active_settings_require() -> ArrowSettings:
    """The active ArrowSettings row; NoActiveSettings when there is none."""
    settings = active_settings_get()
    if settings is None:
        raise NoActiveSettings()
    return settings


def settings_get(settings_uuid=None) -> ArrowSettings:
    """The settings row with that UUID (ObjectNotFound if unknown), else the active one."""
    if settings_uuid is None:
        return active_settings_require()
    settings = ArrowSettings.objects.not_archived().filter(uuid=settings_uuid).first()
    if settings is None:
        raise ObjectNotFound(f"Arrow settings {settings_uuid} not found.")
    return settings


def resource_get(resource_uuid) -> Resource:
    """The resource with that UUID (customer joined); ObjectNotFound if unknown."""
    resource = Resource.objects.select_related("project__customer").filter(uuid=resource_uuid).first()
    if resource is None:
        raise ObjectNotFound(f"Resource {resource_uuid} not found.")
    return resource
