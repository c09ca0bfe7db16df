"""Fault injection and request counters of the emulator, per Arrow endpoint.

Endpoints are named by their Arrow path pattern relative to the base path, e.g. ``whoami``,
``customers``, ``customers/{ref}``, ``billing/erp/exports/sync``,
``consumption/monthly/license/{ref}``. A fault may name an endpoint exactly, by the pattern without
its trailing ``/{ref}`` when that is not an endpoint itself (``consumption/monthly/license``), or
``*`` for all. A fault fires at most ``count`` times (``None``: no limit), with ``probability``
(``None``: always; drawn from a seeded generator so runs repeat), after ``latency`` seconds, and
answers ``status`` (with ``Retry-After`` if given) or a malformed body. A fault with neither status
nor malformed body only delays the real answer.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

ANY_ENDPOINT = "*"
FAULT_RANDOM_SEED = 20240801

ENDPOINTS = (
    "whoami",
    "customers",
    "customers/{ref}",
    "customers/{ref}/licenses",
    "licenses",
    "licenses/{ref}",
    "licenses/v2/find",
    "billing/erp/exports/types",
    "billing/erp/exports/sync",
    "catalog/categories/{category}/programs",
    "consumption/monthly/license/{ref}",
)


def endpoint_aliases(endpoint: str) -> set[str]:
    """Names a fault may use for ``endpoint``: itself, its parameterless prefix, and ``*``."""
    names = {endpoint, ANY_ENDPOINT}
    if endpoint.endswith("}"):
        prefix = endpoint.rsplit("/", 1)[0]
        if prefix not in ENDPOINTS:
            names.add(prefix)
    return names


def known_fault_target(name: str) -> bool:
    return name == ANY_ENDPOINT or any(name in endpoint_aliases(endpoint) for endpoint in ENDPOINTS)


@dataclass
class Fault:
    endpoint: str
    status: int | None = None
    count: int | None = None
    probability: float | None = None
    latency: float = 0.0
    retry_after: int | None = None
    malformed: bool = False
    id: int = 0
    fired: int = field(default=0)

    def validate(self) -> None:
        if not known_fault_target(self.endpoint):
            raise ValueError(f"unknown endpoint {self.endpoint!r}; known: {', '.join(ENDPOINTS)} or '*'")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be >= 1 (or null for no limit)")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0 seconds")

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultBook:
    """The active faults; `pick` decides which one (if any) applies to a request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1
        self._random = random.Random(FAULT_RANDOM_SEED)
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        fault.validate()
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [fault for fault in self._faults if fault.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random = random.Random(FAULT_RANDOM_SEED)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def pick(self, endpoint: str) -> Fault | None:
        """The first matching fault that fires for this request; counts its firing."""
        names = endpoint_aliases(endpoint)
        with self._lock:
            for fault in self._faults:
                if fault.endpoint not in names or fault.exhausted:
                    continue
                if fault.probability is not None and self._random.random() >= fault.probability:
                    continue
                fault.fired += 1
                return fault
        return None


class RequestCounters:
    """Requests received per endpoint, faulted and unauthorised ones included."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hit(self, endpoint: str) -> None:
        with self._lock:
            self._counts[endpoint] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
