"""HTTP exchange with Arrow: auth header, timeouts, retries with backoff, status-to-error mapping.

One `Transport` wraps one `httpx.Client` (thread-safe, so a transport may be shared by threads).
Retries (tenacity, exponential backoff with jitter, bounded) cover connection errors, timeouts,
429 and 5xx; a ``Retry-After`` on 429/503 is honoured up to a cap. Other 4xx are never retried.
The API key is sent as the ``apiKey`` header and redacted from every message this module builds;
logs carry the method and path only. A failure below HTTP (connection refused or reset, timeout,
DNS, TLS) is reported with one neutral message whatever its cause, which only the log names:
an answer must not let a caller map which ports of a host are open.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import msgspec
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from arrow_client.errors import (
    UNREACHABLE_MESSAGE,
    ArrowAuthError,
    ArrowBadResponse,
    ArrowError,
    ArrowNotFound,
    ArrowRequestError,
    ArrowUnavailable,
    describe_failure,
)
from arrow_client.payloads import envelope_status, error_message

logger = logging.getLogger("arrow_client")

API_KEY_HEADER = "apiKey"
USER_AGENT = "waldur-arrow-client/0.1"
RETRY_AFTER_STATUSES = (429, 503)
REDACTED = "***"
BODY_DIGEST_BYTES = 16
# Enough pooled connections for a few dozen threads sharing one client.
CONNECTION_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)


class _RetryableFailure(Exception):
    """One failed attempt that may succeed later; becomes `ArrowUnavailable` when retries run out."""

    def __init__(self, detail: str, *, status: int | None = None, arrow_message: str | None = None,
                 retry_after: float | None = None, cause: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.arrow_message = arrow_message
        self.retry_after = retry_after
        self.cause = cause  # the technical reason of a failure below HTTP: for the log only

    def __str__(self) -> str:
        if self.status is None:
            return self.cause or self.detail
        return f"HTTP {self.status}" + (f": {self.arrow_message}" if self.arrow_message else "")


class Transport:
    """Sends requests below ``base_url`` and returns decoded JSON bodies, or raises an `ArrowError`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        max_retries: int,
        backoff: float,
        backoff_max: float,
        retry_after_max: float,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self._http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            headers={API_KEY_HEADER: api_key, "Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
            limits=CONNECTION_LIMITS,
            transport=http_transport,
        )

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None, with_digest: bool = False) -> Any:
        """Send one logical request (with retries) and return the decoded JSON body.

        With ``with_digest``, returns (decoded body, BLAKE2b digest of the body's bytes): the
        digest is taken here, in the calling thread, where hashing runs without the GIL.
        Raises `ArrowUnavailable` once retries are spent, other `ArrowError`s immediately.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableFailure),
            before_sleep=self._log_retry(method, path),
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, path, params, body, with_digest)
        except _RetryableFailure as failure:
            attempts = retrying.statistics.get("attempt_number", self.max_retries + 1)
            detail = f"{failure.detail} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
            logger.warning("Arrow %s %s failed (%s); giving up after %d attempt(s)", method, path,
                           self._redact(str(failure)), attempts)
            raise ArrowUnavailable(
                self._redact(describe_failure(method, path, status=failure.status,
                                              arrow_message=failure.arrow_message, detail=detail)),
                path=path,
                status=failure.status,
                arrow_message=self._redact_optional(failure.arrow_message),
                attempts=attempts,
            ) from None

    def _attempt(self, method: str, path: str, params: dict[str, Any] | None, body: dict[str, Any] | None,
                 with_digest: bool = False) -> Any:
        logger.debug("Arrow %s %s", method, path)
        try:
            response = self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as exc:
            raise _RetryableFailure(UNREACHABLE_MESSAGE,
                                    cause=f"timed out after {self.timeout:g}s ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _RetryableFailure(UNREACHABLE_MESSAGE, cause=f"connection failed ({type(exc).__name__})") from None
        status = response.status_code
        decoded = _decode_json(response.content)
        if not 200 <= status < 300:
            self._raise_for_status(method, path, status, decoded, response.headers.get("Retry-After"))
        if decoded is _UNDECODABLE:
            raise ArrowBadResponse(describe_failure(method, path, status=status, detail="body is not valid JSON"),
                                   path=path, status=status)
        declared = envelope_status(decoded)
        if declared is not None and declared >= 400:
            self._raise_for_status(method, path, declared, decoded, None)
        if with_digest:
            return decoded, hashlib.blake2b(response.content, digest_size=BODY_DIGEST_BYTES).hexdigest()
        return decoded

    def _raise_for_status(self, method: str, path: str, status: int, decoded: Any, retry_after: str | None) -> None:
        arrow_message = self._redact_optional(error_message(decoded) if decoded is not _UNDECODABLE else None)
        if status == 429 or status >= 500:
            wait = _parse_retry_after(retry_after) if status in RETRY_AFTER_STATUSES else None
            raise _RetryableFailure("Arrow is unavailable or overloaded", status=status, arrow_message=arrow_message,
                                    retry_after=wait)
        message = self._redact(describe_failure(method, path, status=status, arrow_message=arrow_message))
        error_class: type[ArrowError]
        if status in (401, 403):
            error_class = ArrowAuthError
        elif status == 404:
            error_class = ArrowNotFound
        elif 400 <= status < 500:
            error_class = ArrowRequestError
        else:
            error_class = ArrowBadResponse
            message = self._redact(describe_failure(method, path, status=status, detail="unexpected HTTP status"))
        raise error_class(message, path=path, status=status, arrow_message=arrow_message)

    def _wait(self, retry_state: RetryCallState) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failure, _RetryableFailure) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry_after_max)
        exponential = wait_exponential_jitter(initial=self.backoff, max=self.backoff_max, jitter=self.backoff)
        return exponential(retry_state)

    def _log_retry(self, method: str, path: str):
        def log(retry_state: RetryCallState) -> None:
            failure = retry_state.outcome.exception() if retry_state.outcome else None
            logger.warning(
                "Arrow %s %s failed (%s); retry %d of %d in %.2fs",
                method, path, self._redact(str(failure)), retry_state.attempt_number, self.max_retries,
                retry_state.next_action.sleep if retry_state.next_action else 0.0,
            )
        return log

    def _redact(self, text: str) -> str:
        if self._api_key and self._api_key in text:
            return text.replace(self._api_key, REDACTED)
        return text

    def _redact_optional(self, text: str | None) -> str | None:
        return None if text is None else self._redact(text)


_UNDECODABLE = object()
# msgspec decodes an export page about twice as fast as the standard library, into the same
# objects: non-integer numbers become exact Decimals from their text, as with ``parse_float``.
_FAST_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def _decode_json(content: bytes) -> Any:
    """Decode JSON with exact decimals for non-integer numbers; `_UNDECODABLE` when it is not JSON.

    What msgspec refuses (a byte-order mark, ``NaN``, a lone surrogate escape) is given to the
    standard library, so the answer is the standard library's whenever the two could differ.
    """
    try:
        return _FAST_DECODER.decode(content)
    except msgspec.DecodeError:
        pass
    try:
        return json.loads(content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return _UNDECODABLE


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
