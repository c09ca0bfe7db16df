"""The one decimal parser for amounts and quantities coming from Arrow (or typed by an operator).

Arrow writes amounts as strings such as ``"5.37630"`` or ``"215.13"``. They are parsed exactly into
`Decimal`; anything that is not a finite number is rejected with `InvalidAmount` (a `ValueError`),
never turned into zero. Floats are refused because they cannot represent money exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
# No thousands separators, no currency signs, no "NaN"/"Infinity".
_DECIMAL_PATTERN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MAX_DECIMAL_TEXT_LENGTH = 64


class InvalidAmount(ValueError):
    """A value that should be a decimal number is not one."""


def parse_decimal(value: object) -> Decimal:
    """Parse an exact decimal from a string, an int or a finite `Decimal`.

    Surrounding whitespace is ignored. Raises `InvalidAmount` for empty text, garbage,
    NaN, Infinity, floats, booleans and ``None``.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(f"not a decimal number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmount(f"not a finite decimal number: {value!r}")
        return value
    if isinstance(value, float):
        raise InvalidAmount(f"refusing float {value!r}: amounts must be exact decimal strings")
    if not isinstance(value, str):
        raise InvalidAmount(f"not a decimal number: {type(value).__name__}")
    text = value.strip()
    if not text:
        raise InvalidAmount("empty value where a decimal number is required")
    if len(text) > MAX_DECIMAL_TEXT_LENGTH or not _DECIMAL_PATTERN.fullmatch(text):
        raise InvalidAmount(f"not a decimal number: {_shorten(text)!r}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees validity
        raise InvalidAmount(f"not a decimal number: {_shorten(text)!r}") from None


def parse_decimal_text(text: str) -> Decimal:
    """`parse_decimal` of a string already stripped and not empty (what export cells usually
    are), without the type checks; raises `InvalidAmount` likewise."""
    if len(text) <= MAX_DECIMAL_TEXT_LENGTH and _DECIMAL_PATTERN.fullmatch(text):
        return Decimal(text)
    return parse_decimal(text)


def format_decimal(value: Decimal, places: int = 5) -> str:
    """Render ``value`` with exactly ``places`` decimals, as Arrow writes amounts."""
    quantum = Decimal(1).scaleb(-places)
    return str(value.quantize(quantum))


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
