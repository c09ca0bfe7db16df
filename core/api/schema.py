"""OpenAPI post-processing: document Waldur's HEAD count operations and list headers.

Every GET on a path without a `{…}` parameter (lists and collection-level actions) also
answers HEAD with the count in `X-Result-Count`; the schema says so, as Waldur's does.
"""

import copy
import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

COUNT_DESCRIPTION = "Get number of items in the collection matching the request parameters."
RESULT_COUNT_HEADER = {
    "X-Result-Count": {"schema": {"type": "integer"}, "description": "Number of matching objects."}
}


def _count_operation_id(get_operation_id: str) -> str:
    return re.sub(r"_(list|retrieve)$", "", get_operation_id) + "_count"


def add_head_count_operations(result, generator, request, public):
    for path, item in result.get("paths", {}).items():
        get = item.get("get")
        if get is None or "{" in path or "head" in item:
            continue
        head = {
            key: copy.deepcopy(value)
            for key, value in get.items()
            if key in ("parameters", "tags", "security")
        }
        head["operationId"] = _count_operation_id(get["operationId"])
        head["description"] = COUNT_DESCRIPTION
        head["responses"] = {"200": {"description": "No response body", "headers": RESULT_COUNT_HEADER}}
        item["head"] = head
        get.setdefault("responses", {}).setdefault("200", {}).setdefault("headers", {}).update(RESULT_COUNT_HEADER)
    return result


class UuidOrUrlFieldExtension(OpenApiSerializerFieldExtension):
    """A UUID-or-URL relation: documented as a URI, or as a UUID where the field returns one."""

    target_class = "core.api.fields.UuidOrUrlRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if self.target.as_uuid:
            return {"type": "string", "format": "uuid"}
        return {"type": "string", "format": "uri"}
