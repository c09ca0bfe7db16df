"""Arrow's references to a customer: the ``XSP…`` reference and the numeric ``Ref`` beside it.

A customer is ``XSP111111`` in the API (``Reference``) and ``111111`` in its ``Ref`` field, and live
billing exports carry the number alone in ``End User Company ID`` (see the golden sample). These
helpers let the rest of the project compare either form with a stored XSP reference. Pure functions.
"""

from __future__ import annotations

XSP_PREFIX = "XSP"


def reference_number(value: str | None) -> str | None:
    """The number of a customer reference: ``111111`` for ``XSP111111`` or ``111111``; ``None``
    for a value of another form (or none)."""
    text = (value or "").strip()
    if text[:len(XSP_PREFIX)].upper() == XSP_PREFIX:
        text = text[len(XSP_PREFIX):]
    return text if text.isdigit() and text.isascii() else None


def customer_key(value: str | None) -> str:
    """What identifies a customer whichever form names it: the number of an XSP reference or of a
    ``Ref``, else the value itself without case (``""`` for none)."""
    number = reference_number(value)
    return number if number is not None else (value or "").strip().casefold()


def xsp_reference(value: str | None) -> str | None:
    """The XSP reference a value names: ``XSP111111`` for ``111111`` or ``xsp111111``; a value of
    another form is returned stripped; ``None`` for none."""
    number = reference_number(value)
    if number is not None:
        return XSP_PREFIX + number
    text = (value or "").strip()
    return text or None
