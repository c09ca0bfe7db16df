"""The official schema of the admin API, as the robustness tests read it: its location and operations."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

OFFICIAL_SCHEMA = Path(__file__).resolve().parents[1] / "conformance" / "official-openapi.yaml"
HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete")
EXPECTED_OPERATION_COUNT = 62


@cache
def official_operations() -> tuple[tuple[str, str], ...]:
    """Every (METHOD, path template) of the official schema, in the schema's order."""
    document = yaml.safe_load(OFFICIAL_SCHEMA.read_text())
    return tuple(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    )
