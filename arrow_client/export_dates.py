"""Dates of billing exports: the formats Arrow can write them in, and their parsing.

The export call takes ``outputFormat.date`` (the PHP SDK's ``src/Billing/Enum/FormatDateEnum.php``):
``MM/DD/YYYY`` (Arrow's default, the golden sample's), ``DD/MM/YYYY`` or ``DD-MM-YYYY``. The two
slash forms cannot be told apart from a value such as ``03/04/2025``, so a parser must know which
one was requested; forms of another shape are accepted too (ISO dates, a dashed date, and the
default slash form when a dashed one was requested, in case Arrow ignored the option). A value that
does not parse raises `ValueError`; no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

DEFAULT_EXPORT_DATE_FORMAT = "MM/DD/YYYY"
EXPORT_DATE_FORMATS = {"MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y", "DD-MM-YYYY": "%d-%m-%Y"}
# Accepted whatever was requested: their shape cannot be mistaken for another format's.
ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def check_date_format(date_format: str) -> str:
    if date_format not in EXPORT_DATE_FORMATS:
        raise ValueError(f"unknown export date format {date_format!r}; known: {sorted(EXPORT_DATE_FORMATS)}")
    return date_format


@functools.lru_cache(maxsize=8)
def _patterns(date_format: str) -> tuple[str, ...]:
    """strptime patterns to try for ``date_format``: its own, then those of another shape."""
    own = EXPORT_DATE_FORMATS[check_date_format(date_format)]
    if "/" in own:
        others = (EXPORT_DATE_FORMATS["DD-MM-YYYY"],)
    else:
        others = (EXPORT_DATE_FORMATS[DEFAULT_EXPORT_DATE_FORMAT],)
    with_time = tuple(f"{pattern} %H:%M:%S" for pattern in (own, *others))
    return (own, *others, *with_time, *ISO_FORMATS)


def _fast(text: str, date_format: str) -> dt.date | None:
    """The common case without strptime (a 100 000-line export has 300 000 dates)."""
    if len(text) != 10 or not text.isascii() or text[2] != text[5] or text[2] not in "/-":
        return None
    first, second, year = text[:2], text[3:5], text[6:]
    if not (first.isdigit() and second.isdigit() and year.isdigit()):
        return None
    if text[2] == "-":
        day, month = first, second  # DD-MM-YYYY, the only dashed export format
    elif date_format == "DD/MM/YYYY":
        day, month = first, second
    elif date_format == "MM/DD/YYYY" or date_format == "DD-MM-YYYY":
        month, day = first, second
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_export_date(value: Any, date_format: str = DEFAULT_EXPORT_DATE_FORMAT) -> dt.date | None:
    """Parse an export date written in ``date_format``; empty means ``None``; garbage raises `ValueError`."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    parsed = _fast(text, date_format)
    if parsed is not None:
        return parsed
    for pattern in _patterns(date_format):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a date (expected {date_format}): {text!r}")
