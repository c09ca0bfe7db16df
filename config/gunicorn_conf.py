"""Gunicorn settings of the web server: request limits and JSON error bodies.

Used by the demo and by the production command of the README:
``gunicorn -c python:config.gunicorn_conf config.wsgi -b HOST:PORT --workers N``.

Gunicorn refuses some requests before Django sees them (a request line over its limit, bytes
that are not allowed in the request line, too many or too long header fields) and answers them
with an HTML page of its own. This module sets those limits explicitly and makes each worker
write such answers as JSON (``{"detail": "..."}``), with the same 4xx status, like every other
error of the API:

- request line (method, URL with query string, protocol) up to `LIMIT_REQUEST_LINE` bytes:
  longer is a 414;
- at most `LIMIT_REQUEST_FIELDS` header fields of at most `LIMIT_REQUEST_FIELD_SIZE` bytes each:
  more or longer is a 431 (or a 400 for a malformed field);
- a malformed request line, e.g. raw non-ASCII bytes in the URL, is a 400.
"""

from __future__ import annotations

import json

from gunicorn import util

# Gunicorn's largest allowed values (its defaults are 4094 for the line, 8190 for a field).
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190

limit_request_line = LIMIT_REQUEST_LINE
limit_request_fields = LIMIT_REQUEST_FIELDS
limit_request_field_size = LIMIT_REQUEST_FIELD_SIZE
worker_class = "gthread"


def json_error_write(sock, status_int: int, reason: str, mesg: str) -> None:
    """Gunicorn's error writer, answering JSON instead of HTML (same status, closes the connection)."""
    detail = f"{reason}: {mesg}" if mesg else reason
    body = json.dumps({"detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


def post_worker_init(worker) -> None:
    """Gunicorn hook, in each worker: its errors (written by `gunicorn.util.write_error`) become JSON."""
    util.write_error = json_error_write
