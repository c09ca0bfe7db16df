"""Relation fields that accept either a UUID or the object's URL, as Waldur clients send both,
and URL fields that reverse a view's URL once per request rather than once per object.

A list page of 100 objects names a few hundred URLs; Django's ``reverse`` costs about a
millisecond each there, more than everything else the page does. `detail_url` reverses a
view's detail URL once per request with a placeholder UUID and puts each object's UUID in its
place: the same URL ``reverse`` gives.
"""

import uuid
from urllib.parse import urlparse

from django.urls import Resolver404, resolve
from rest_framework import serializers
from rest_framework.reverse import reverse

# What stands for the object's UUID in a reversed URL template (it matches the UUID pattern).
URL_PLACEHOLDER = "ffffffff-ffff-4fff-bfff-ffffffffffff"


def detail_url(view_name: str, value, request, *, kwarg: str = "uuid", format=None) -> str:
    """``reverse(view_name, kwargs={kwarg: value}, request=request, format=format)``, from a
    template reversed once per request (kept on the request)."""
    templates = request.__dict__.setdefault("_detail_url_templates", {}) if request is not None else {}
    key = (view_name, kwarg, format)
    template = templates.get(key)
    if template is None:
        template = templates[key] = reverse(view_name, kwargs={kwarg: URL_PLACEHOLDER}, request=request,
                                            format=format)
    return template.replace(URL_PLACEHOLDER, str(value))


class _TemplatedUrl:
    """`get_url` of DRF's hyperlinked fields through `detail_url`."""

    def get_url(self, obj, view_name, request, format):
        if getattr(obj, "pk", None) in (None, ""):  # unsaved: DRF gives no URL either
            return None
        return detail_url(view_name, getattr(obj, self.lookup_field), request, kwarg=self.lookup_url_kwarg,
                          format=format)


class HyperlinkedIdentityField(_TemplatedUrl, serializers.HyperlinkedIdentityField):
    """DRF's field, with its URL from a per-request template."""


class HyperlinkedRelatedField(_TemplatedUrl, serializers.HyperlinkedRelatedField):
    """DRF's field, with its URL from a per-request template."""


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
        return detail_url(self.view_name, value.uuid, self.context.get("request"))

    def use_pk_only_optimization(self):
        return False
