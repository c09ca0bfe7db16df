"""Relation fields that accept either a UUID or the object's URL, as Waldur clients send both."""

import uuid
from urllib.parse import urlparse

from django.urls import Resolver404, resolve
from rest_framework import serializers


def uuid_from_uuid_or_url(value) -> uuid.UUID | None:
    """The UUID in `value` (a UUID string or a detail URL ending with one), else None."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    path = urlparse(text).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    found = match.kwargs.get("uuid")
    try:
        return uuid.UUID(str(found)) if found else None
    except ValueError:
        return None


class UuidOrUrlRelatedField(serializers.RelatedField):
    """Writes take a UUID or a URL; reads give the detail URL (or the UUID with `as_uuid`)."""

    default_error_messages = {
        "invalid": "Expected a UUID or an object URL, got {value!r}.",
        "does_not_exist": "Object with UUID {value} does not exist.",
    }

    def __init__(self, *, view_name: str, as_uuid: bool = False, **kwargs):
        self.view_name = view_name
        self.as_uuid = as_uuid
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        found = uuid_from_uuid_or_url(data)
        if found is None:
            self.fail("invalid", value=str(data)[:100])
        try:
            return self.get_queryset().get(uuid=found)
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", value=found)

    def to_representation(self, value):
        if self.as_uuid:
            return str(value.uuid)
        from rest_framework.reverse import reverse

        return reverse(self.view_name, kwargs={"uuid": value.uuid}, request=self.context.get("request"))

    def use_pk_only_optimization(self):
        return False
