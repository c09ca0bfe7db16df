"""Domain errors of the Arrow integration (see `core.errors`: each carries its status and body).

Raised by services and selectors before anything is written; the API's one exception handler
answers them. An Arrow failure met by a synchronous call (`arrow_client.ArrowError`) is answered
as `ArrowRequestFailed` (`api.base.exception_handler`): the client cannot know our errors.
"""

from __future__ import annotations

from core.errors import Conflict, DomainError, ObjectNotFound

__all__ = ["ActionRefused", "ArrowRequestFailed", "Conflict", "NoActiveSettings", "ObjectNotFound",
           "QueueUnavailable"]


class ActionRefused(DomainError):
    """The request is understood but cannot be served as it stands (400)."""


class NoActiveSettings(ActionRefused):
    """No settings row is active, and the request named none (``field`` is where it could)."""

    def __init__(self, *, field: str | None = None) -> None:
        how = f" or pass {field}" if field else ""
        super().__init__(f"No active Arrow settings: configure Arrow first{how}.", field=field)


class ArrowRequestFailed(ActionRefused):
    """Arrow refused or failed a call made while answering the request; the message says why."""


class QueueUnavailable(DomainError):
    """The task could not be handed to the broker: nothing was scheduled."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__("The task queue is unavailable; nothing was scheduled. Try again later.")
