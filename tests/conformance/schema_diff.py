"""Compare our OpenAPI document with the official Waldur schema of /api/admin/arrow/.

For every path and method of the official schema: the operation exists, answers the same
success status, accepts the official query parameters, and its request and response bodies
carry every property the official schema declares (ours may add more). Returns readable
differences, one string each.
"""

from collections.abc import Iterator
from pathlib import Path

import yaml

OFFICIAL_SCHEMA = Path(__file__).with_name("official-openapi.yaml")
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head")


def load_official() -> dict:
    return yaml.safe_load(OFFICIAL_SCHEMA.read_text())


def resolve(document: dict, node: dict | None) -> dict:
    """Follow $ref (and a single allOf) until a concrete schema object."""
    seen = 0
    while isinstance(node, dict) and seen < 20:
        seen += 1
        if "$ref" in node:
            target = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            break
    return node or {}


def body_properties(document: dict, schema: dict | None) -> set[str] | None:
    """Property names of an object schema, or of the items of an array schema."""
    schema = resolve(document, schema)
    if schema.get("type") == "array":
        schema = resolve(document, schema.get("items"))
    if "properties" not in schema:
        return None
    return set(schema["properties"])


def _json_schema(document: dict, container: dict | None) -> dict | None:
    content = resolve(document, container).get("content", {}) if container else {}
    for media_type in ("application/json", *content):
        if media_type in content:
            return content[media_type].get("schema")
    return None


def success_status(operation: dict) -> str:
    return next(code for code in sorted(operation["responses"]) if code.startswith("2"))


def schema_differences(ours: dict, official: dict) -> Iterator[str]:
    for path, official_item in official["paths"].items():
        our_item = ours["paths"].get(path)
        if our_item is None:
            yield f"{path}: missing"
            continue
        for method in HTTP_METHODS:
            if method not in official_item:
                continue
            where = f"{method.upper()} {path}"
            official_op, our_op = official_item[method], our_item.get(method)
            if our_op is None:
                yield f"{where}: missing"
                continue
            yield from _compare_operation(where, ours, our_op, official, official_op)


def _compare_operation(where, ours, our_op, official, official_op) -> Iterator[str]:
    expected_status = success_status(official_op)
    if expected_status not in our_op.get("responses", {}):
        yield f"{where}: success status {expected_status} not documented (ours: {sorted(our_op.get('responses', {}))})"
    our_params = {p["name"] for p in (resolve(ours, p) for p in our_op.get("parameters", [])) if p.get("in") == "query"}
    for param in (resolve(official, p) for p in official_op.get("parameters", [])):
        if param.get("in") == "query" and param["name"] not in our_params:
            yield f"{where}: query parameter {param['name']!r} missing"
    official_request = body_properties(official, _json_schema(official, official_op.get("requestBody")))
    if official_request:
        our_request = body_properties(ours, _json_schema(ours, our_op.get("requestBody"))) or set()
        for name in sorted(official_request - our_request):
            yield f"{where}: request field {name!r} missing"
    official_response = body_properties(official, _json_schema(official, official_op["responses"].get(expected_status)))
    if official_response:
        our_response = body_properties(ours, _json_schema(ours, our_op.get("responses", {}).get(expected_status))) or set()
        for name in sorted(official_response - our_response):
            yield f"{where}: response field {name!r} missing"
