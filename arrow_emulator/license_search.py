"""The query side of ``POST licenses/v2/find``: filters, keywords, keyword, sort and the facet counts.

The request body is the one the SDKs send (Node ``src/licenses/licensesClient.ts``, PHP
``src/Licenses/LicensesClient.php``): ``filters``, ``keywords`` and ``sort`` keyed by dotted field
paths (``license.customer_ref``, ``offer.priceBand.currency``); a filter value is a scalar (equal), a
list (any of) or ``{gt, gte, lt, lte}``; a keywords entry is ``{values, operator}`` with ``OR``
(any value contained, without case), ``AND`` (all contained) or ``BETWEEN`` (two bounds, for
dates); ``keyword`` is looked for in every text field of the license; ``sort`` maps a path to
``asc``/``desc``. Paging (``page``, ``per_page``) is in the query string, handled by the route.

Raises `SearchError` (a 400) for a malformed body or a field the results do not have.
This module knows nothing about HTTP.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

OPERATORS = ("AND", "OR", "BETWEEN")
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda field, bound: field > bound,
    "gte": lambda field, bound: field >= bound,
    "lt": lambda field, bound: field < bound,
    "lte": lambda field, bound: field <= bound,
}
SORT_DIRECTIONS = ("asc", "desc")
ROOTS = ("license", "offer")
# The facets Arrow returns next to the results (names as in the PHP SDK's LicensesClientTest).
FACETS = ("vendor_code", "vendor_name", "cloud_type", "status_code", "periodicity", "term", "isEnabled")
_MISSING = object()


class SearchError(ValueError):
    """The search request cannot be served as given."""


def _path(key: Any) -> tuple[str, ...]:
    if not isinstance(key, str) or "." not in key or key.split(".", 1)[0] not in ROOTS:
        raise SearchError(f"field {key!r} must be a path below 'license.' or 'offer.'")
    return tuple(key.split("."))


def _value(result: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = result
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _comparable(field: Any, bound: Any) -> bool:
    numbers = (int, float)
    return (isinstance(field, numbers) and isinstance(bound, numbers)) or (
        isinstance(field, str) and isinstance(bound, str))


def _filter_matches(field: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return field in wanted
    if isinstance(wanted, Mapping):
        return all(_comparable(field, bound) and COMPARISONS[name](field, bound) for name, bound in wanted.items())
    return field == wanted


def _keywords_match(field: Any, values: list[str], operator: str) -> bool:
    if operator == "BETWEEN":
        low, high = values
        return isinstance(field, str) and low <= field <= high
    text = "" if field is None else str(field).casefold()
    found = [value.casefold() in text for value in values]
    return all(found) if operator == "AND" else any(found)


def _check_filters(filters: Any) -> list[tuple[tuple[str, ...], Any]]:
    if not isinstance(filters, Mapping):
        raise SearchError("filters must be an object")
    checked = []
    for key, wanted in filters.items():
        if isinstance(wanted, Mapping) and not set(wanted) <= set(COMPARISONS):
            raise SearchError(f"filters.{key}: comparisons are {sorted(COMPARISONS)}")
        checked.append((_path(key), wanted))
    return checked


def _check_keywords(keywords: Any) -> list[tuple[tuple[str, ...], list[str], str]]:
    if not isinstance(keywords, Mapping):
        raise SearchError("keywords must be an object")
    checked = []
    for key, entry in keywords.items():
        values = entry.get("values") if isinstance(entry, Mapping) else None
        operator = entry.get("operator", "OR") if isinstance(entry, Mapping) else None
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise SearchError(f"keywords.{key}.values must be a list of strings")
        if operator not in OPERATORS:
            raise SearchError(f"keywords.{key}.operator must be one of {list(OPERATORS)}")
        if operator == "BETWEEN" and len(values) != 2:
            raise SearchError(f"keywords.{key}: BETWEEN takes two values")
        checked.append((_path(key), values, operator))
    return checked


def _check_sort(sort: Any) -> list[tuple[tuple[str, ...], bool]]:
    if not isinstance(sort, Mapping):
        raise SearchError("sort must be an object")
    checked = []
    for key, direction in sort.items():
        if direction not in SORT_DIRECTIONS:
            raise SearchError(f"sort.{key} must be 'asc' or 'desc'")
        checked.append((_path(key), direction == "desc"))
    return checked


def _part(body: Mapping[str, Any], name: str) -> Any:
    value = body.get(name)
    return {} if value is None else value


class LicenseQuery:
    """A parsed search body; `select` applies it to results (``{license, offer}`` dicts)."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        keyword = body.get("keyword")
        if keyword is not None and not isinstance(keyword, str):
            raise SearchError("keyword must be a string")
        self.keyword = (keyword or "").strip().casefold()
        self.filters = _check_filters(_part(body, "filters"))
        self.keywords = _check_keywords(_part(body, "keywords"))
        self.sort = _check_sort(_part(body, "sort"))

    def _check_fields(self, sample: Mapping[str, Any]) -> None:
        paths = [path for path, _ in self.filters] + [path for path, *_ in self.keywords]
        for path in paths + [path for path, _ in self.sort]:
            if _value(sample, path) is _MISSING:
                raise SearchError(f"unknown field {'.'.join(path)!r}")

    def _accepts(self, result: Mapping[str, Any]) -> bool:
        if self.keyword and not any(
            isinstance(value, str) and self.keyword in value.casefold() for value in result["license"].values()
        ):
            return False
        if not all(_filter_matches(_value(result, path), wanted) for path, wanted in self.filters):
            return False
        return all(_keywords_match(_value(result, path), values, operator)
                   for path, values, operator in self.keywords)

    def select(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The results that match, in the requested order (listing order otherwise)."""
        if results:
            self._check_fields(results[0])
        found = [result for result in results if self._accepts(result)]
        for path, descending in reversed(self.sort):  # stable sorts, last key first
            found.sort(key=functools.partial(_sort_key, path), reverse=descending)
        return found


def _sort_key(path: tuple[str, ...], result: Mapping[str, Any]) -> tuple[bool, str]:
    value = _value(result, path)
    return (value is not None, f"{value:020d}" if isinstance(value, int) else str(value))


def facets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``filters`` part of the answer: counts of each value of a few license fields."""
    listed = []
    for name in FACETS:
        counts = Counter(result["license"].get(name) for result in results)
        listed.append({"name": name, "values": [{"value": value, "count": count}
                                                for value, count in counts.most_common()]})
    return listed
