"""Numbers and flags from request input, parsed strictly: ASCII digits only, within bounds.

Python's `int()` takes much more than a client should send: full-width and other Unicode digits
("２０２６"), underscores ("2_026"), and numbers of any size that the database then cannot hold
(an overflow there is a 500, not a 400). Every number read from a query string or a body goes
through one of these instead:

- `ascii_int` — the parser itself (None for anything else than optional sign and ASCII digits);
- `StrictIntegerField` — a DRF serializer field (request bodies: years, months);
- `BoundedIntegerFilter` — a django-filter filter with a required range (query parameters);
- `StrictBooleanFilter` — `true`/`false`/`1`/`0`, anything else a 400 rather than ignored.

Nothing here touches the database; a refused value is a validation error naming the field.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from drf_spectacular.drainage import set_override
from rest_framework import serializers

_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def ascii_int(text: str) -> int | None:
    """The integer written in ``text`` (optional sign, ASCII digits, surrounding blanks), else None."""
    if not isinstance(text, str) or not _ASCII_INTEGER.fullmatch(text.strip()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return None


class StrictIntegerField(serializers.IntegerField):
    """DRF's IntegerField that refuses strings other than ASCII digits (e.g. "２０２６", "2_026").

    JSON integers (and integral JSON numbers such as 2025.0, as DRF accepts them) are unchanged.
    """

    _INTEGRAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?", re.ASCII)

    def to_internal_value(self, data):
        if isinstance(data, str) and not self._INTEGRAL_TEXT.fullmatch(data.strip()):
            self.fail("invalid")
        return super().to_internal_value(data)


class BoundedIntegerFormField(forms.CharField):
    default_error_messages = {
        "invalid": "Expected a whole number written with the digits 0-9.",
        "out_of_range": "Expected a number from {min_value} to {max_value}.",
    }

    def __init__(self, *, min_value: int, max_value: int, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        number = ascii_int(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not self.min_value <= number <= self.max_value:
            message = self.error_messages["out_of_range"].format(min_value=self.min_value, max_value=self.max_value)
            raise forms.ValidationError(message, code="out_of_range")
        return number


class BoundedIntegerFilter(django_filters.Filter):
    """An integer query parameter that must lie in ``min_value..max_value`` (400 otherwise).

    The bounds are required: an unbounded number from a query string overflows the database.
    The OpenAPI schema shows the type and the range.
    """

    field_class = BoundedIntegerFormField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        set_override(self, "field", {"type": "integer", "minimum": min_value, "maximum": max_value})


class StrictBooleanFormField(forms.CharField):
    """`true`/`false` (also `1`/`0`, any case); anything else is invalid rather than ignored."""

    default_error_messages = {"invalid": "Expected true or false."}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[value.strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField
