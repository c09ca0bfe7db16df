"""The parser of every JSON request body: DRF's JSON parser with the nesting depth and size bounded.

Python's JSON decoder recurses once per level of nesting, so a body nested about a thousand
levels deep ends in a `RecursionError` (a 500), and data only a little less deep still reaches
serializers and services that walk it recursively. Bodies of this API are a few levels deep
(a list of mappings, a JSON attribute of a resource), so `MAX_JSON_DEPTH` leaves ample room; a
deeper body is a 400 before anything decodes it. The depth is measured on the raw text by a scan
that skips the contents of strings.

DRF reads the body from the request stream, which Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` does not
guard; this parser reads at most that many bytes and answers 413 for a longer body.
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_JSON_DEPTH = 64
# A JSON string (escapes included) or one bracket; everything else cannot change the depth.
_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in ``text`` nest more than ``limit`` levels deep."""
    depth = 0
    for token in _DEPTH_TOKENS.finditer(text):
        symbol = token.group()
        if symbol in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif symbol in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies up to `MAX_JSON_DEPTH` levels deep and `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes long.

    Raises `ParseError` (400) for malformed or too deeply nested JSON, `RequestBodyTooLarge` (413)
    for a body over the size limit.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestBodyTooLarge(f"The request body is larger than {limit} bytes.")
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            # bytes.decode() takes text encodings only (no bz2_codec and alike that would inflate).
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(text):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        parse_constant = json.strict_constant if self.strict else None  # DRF's rule for NaN and Infinity
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
