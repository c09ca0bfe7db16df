"""Domain errors: what a service refuses, and how the API answers it.

A service raises a `DomainError` subclass whose class says the HTTP status; the one exception
handler of the API (`core.api.exceptions`) answers with `response_body()`: an error about one
input names it (`{"field": ["message"]}`), any other says `{"detail": "message"}`. Services never
build HTTP responses themselves.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request a service cannot serve; ``http_status`` says how the API answers it."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def response_body(self) -> dict:
        message = str(self)
        return {self.field: [message]} if self.field else {"detail": message}


class ObjectNotFound(DomainError):
    """An object named by the request does not exist (or no longer does)."""

    http_status = 404


class Conflict(DomainError):
    """The request collides with the state of the data (or with another request at the same moment)."""

    http_status = 409
