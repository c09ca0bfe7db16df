"""Compare our OpenAPI document with the official Waldur schema of /api/admin/arrow/.

For every path and method of the official schema: the operation exists, answers the same
success status, accepts the official parameters, and its request and response bodies carry
every property the official schema declares (ours may add more). Field types are compared too,
compatibly, from the point of view of a client generated from the official schema:

- the JSON type (string, integer, number, boolean, array, object) must be the same; an integer
  answer where the official schema says number is fine;
- the formats that change what a value is (uuid, uri, date-time, date) must be the same where
  the official schema names one;
- nullability: an answer may be null only where the official schema allows null, and a request
  field the official schema lets be null must accept null;
- nested objects and array items are compared the same way, property by property.

Returns readable differences, one string each; every type difference starts with the location
``METHOD /path <where>.<field>`` so that a test can list deliberate exceptions by that prefix.
"""

from collections.abc import Iterator
from pathlib import Path

import yaml

OFFICIAL_SCHEMA = Path(__file__).with_name("official-openapi.yaml")
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head")
# Formats that change how a client reads or builds a value; others (decimal, email…) are hints.
TRACKED_FORMATS = frozenset({"uuid", "uri", "date-time", "date"})
MAX_NESTING = 6
REQUEST, RESPONSE = "request", "response"


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


def _parameters(document: dict, operation: dict) -> dict[tuple[str, str], dict]:
    found = (resolve(document, p) for p in operation.get("parameters", []))
    return {(p["in"], p["name"]): p for p in found if p.get("in") in ("query", "path")}


def _compare_operation(where, ours, our_op, official, official_op) -> Iterator[str]:
    expected_status = success_status(official_op)
    if expected_status not in our_op.get("responses", {}):
        yield f"{where}: success status {expected_status} not documented (ours: {sorted(our_op.get('responses', {}))})"
    our_params = _parameters(ours, our_op)
    for key, param in _parameters(official, official_op).items():
        if key not in our_params:
            if key[0] == "query":
                yield f"{where}: query parameter {key[1]!r} missing"
            continue
        yield from _compare_types(
            f"{where} {key[0]} parameter {key[1]}", REQUEST, official, param.get("schema"), ours,
            our_params[key].get("schema"),
        )
    official_request_schema = _json_schema(official, official_op.get("requestBody"))
    official_request = body_properties(official, official_request_schema)
    our_request_schema = _json_schema(ours, our_op.get("requestBody"))
    if official_request:
        our_request = body_properties(ours, our_request_schema) or set()
        for name in sorted(official_request - our_request):
            yield f"{where}: request field {name!r} missing"
        yield from _compare_types(f"{where} request", REQUEST, official, official_request_schema, ours,
                                  our_request_schema)
    official_response_schema = _json_schema(official, official_op["responses"].get(expected_status))
    official_response = body_properties(official, official_response_schema)
    our_response_schema = _json_schema(ours, our_op.get("responses", {}).get(expected_status))
    if official_response:
        our_response = body_properties(ours, our_response_schema) or set()
        for name in sorted(official_response - our_response):
            yield f"{where}: response field {name!r} missing"
        yield from _compare_types(f"{where} response", RESPONSE, official, official_response_schema, ours,
                                  our_response_schema)


def type_of(document: dict, node: dict | None) -> dict:
    """The comparable essence of a schema: ``type``, tracked ``format``, ``nullable`` and the
    (unresolved) ``items`` / ``properties`` of arrays and objects.

    Understands $ref, single-element allOf and the oneOf/anyOf that drf-spectacular writes for
    nullable or blank-able enums (`NullEnum`, `BlankEnum`); ``type`` is None for free-form values.
    """
    nullable, node = False, node or {}
    for _ in range(20):
        nullable = nullable or bool(node.get("nullable"))
        if "$ref" in node:
            node = resolve(document, {"$ref": node["$ref"]})
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        elif "oneOf" in node or "anyOf" in node:
            variants = [resolve(document, v) for v in node.get("oneOf", node.get("anyOf"))]
            nullable = nullable or any(v.get("enum") == [None] or v.get("type") == "null" for v in variants)
            kept = [v for v in variants if v.get("enum") not in ([None], [""]) and v.get("type") != "null"]
            node = kept[0] if len(kept) == 1 else {"type": "|".join(sorted({str(v.get("type")) for v in kept}))}
        else:
            break
    kind = node.get("type") or ("object" if "properties" in node else None)
    return {
        "type": kind,
        "format": node.get("format") if node.get("format") in TRACKED_FORMATS else None,
        "nullable": nullable or bool(node.get("nullable")),
        "items": node.get("items"),
        "properties": node.get("properties") or {},
        "read_only": bool(node.get("readOnly")),
        "write_only": bool(node.get("writeOnly")),
    }


def _describe(found: dict) -> str:
    text = found["type"] or "any"
    if found["format"]:
        text += f" ({found['format']})"
    return text + (", nullable" if found["nullable"] else "")


def _compare_types(where, direction, official, official_node, ours, our_node, depth=0) -> Iterator[str]:
    """Differences between an official schema and ours at ``where`` (recursing into objects/arrays)."""
    if official_node is None or our_node is None or depth > MAX_NESTING:
        return
    expected, actual = type_of(official, official_node), type_of(ours, our_node)
    if expected["type"] is None:
        return  # free-form in the official schema: anything goes
    same_type = expected["type"] == actual["type"] or (
        direction == RESPONSE and (expected["type"], actual["type"]) == ("number", "integer")
    )
    same_format = expected["format"] is None or expected["format"] == actual["format"]
    if not same_type or not same_format:
        yield f"{where}: type {_describe(actual)} where the official schema has {_describe(expected)}"
        return
    if direction == RESPONSE and actual["nullable"] and not expected["nullable"]:
        yield f"{where}: may be null where the official schema does not allow null"
    if direction == REQUEST and expected["nullable"] and not actual["nullable"]:
        yield f"{where}: refuses null where the official schema allows null"
    if expected["type"] == "array":
        yield from _compare_types(f"{where}[]", direction, official, expected["items"], ours, actual["items"],
                                  depth + 1)
    for name, official_property in expected["properties"].items() if expected["type"] == "object" else ():
        if _skipped(direction, type_of(official, official_property)):
            continue
        our_property = actual["properties"].get(name)
        if our_property is None:
            if depth:  # top-level fields are reported by the name check
                yield f"{where}.{name}: missing"
            continue
        yield from _compare_types(f"{where}.{name}", direction, official, official_property, ours, our_property,
                                  depth + 1)


def _skipped(direction: str, official_property: dict) -> bool:
    """Fields that do not travel in this direction according to the official schema."""
    return official_property["read_only"] if direction == REQUEST else official_property["write_only"]
