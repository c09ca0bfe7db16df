"""Typed errors raised by the Arrow client.

Every failure of a call is one of these; the client never returns an empty value or a flag instead.
Messages say what failed (method and endpoint path, HTTP status, Arrow's own error text) and never
contain the API key: the transport redacts it before building any message.

- `ArrowAuthError`: 401/403, the key is missing, wrong or lacks rights. Not retried.
- `ArrowNotFound`: 404, the customer, license or export type does not exist. Not retried.
- `ArrowRequestError`: any other 4xx, Arrow rejected the request as made. Not retried.
- `ArrowUnavailable`: connection errors, timeouts, 429 and 5xx, after the retries are spent.
  Failures below HTTP (refused, reset, timeout, DNS, TLS) all carry one message,
  `UNREACHABLE_MESSAGE`, so that an answer built from it never tells an open port from a closed
  one; the transport logs the technical cause.
- `ArrowBadResponse`: a 2xx answer that is not the JSON envelope it should be, or a pagination
  that does not end.
"""

from __future__ import annotations

UNREACHABLE_MESSAGE = "Arrow could not be reached at this URL"


class ArrowError(Exception):
    """Base class of every error raised by `arrow_client`."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        status: int | None = None,
        arrow_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.status = status
        self.arrow_message = arrow_message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, path={self.path!r}, status={self.status!r})"


class ArrowAuthError(ArrowError):
    """Arrow refused the API key (401) or its rights (403)."""


class ArrowNotFound(ArrowError):
    """The requested object does not exist in Arrow (404)."""


class ArrowRequestError(ArrowError):
    """Arrow rejected the request itself (a 4xx other than 401, 403, 404 and 429)."""


class ArrowUnavailable(ArrowError):
    """Arrow could not be reached or kept failing (connection, timeout, 429, 5xx) after retries."""

    def __init__(self, message: str, *, attempts: int = 1, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts


class ArrowBadResponse(ArrowError):
    """Arrow answered, but not with a payload the client can trust (bad JSON, envelope, paging)."""


def describe_failure(
    method: str,
    path: str,
    *,
    status: int | None = None,
    arrow_message: str | None = None,
    detail: str | None = None,
) -> str:
    """Build the standard one-line message: ``"GET customers/XSP1: HTTP 404: Customer not found"``."""
    parts = [f"Arrow {method} {path}"]
    if status is not None:
        parts.append(f"HTTP {status}")
    if arrow_message:
        parts.append(arrow_message)
    if detail:
        parts.append(detail)
    return ": ".join(parts)
