"""Shared pieces of the /api/admin/arrow/ views: staff-only access, UUID lookups, input fields."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.response import Response

from arrow_client.errors import ArrowError
from arrow_client.periods import Period
from arrow_integration.models import arrow_reference_validators
from core.api.exceptions import register_domain_error
from core.api.permissions import IsStaff
from core.api.views import UUID_PATTERN

# Arrow failures on synchronous calls are the caller's 400, naming the Arrow problem.
register_domain_error(ArrowError, status.HTTP_400_BAD_REQUEST)


LOOKUP_PARAMETER = "uuid"
ARROW_REFERENCE_MAX_LENGTH = 255


class AdminAutoSchema(AutoSchema):
    """Documents the `{uuid}` path parameter as a UUID (the route's regex alone says only "string")."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if "{%s}" % LOOKUP_PARAMETER in self.path:
            parameters.append(OpenApiParameter(LOOKUP_PARAMETER, OpenApiTypes.UUID, OpenApiParameter.PATH))
        return parameters


class AdminViewSetMixin:
    """Staff only; objects addressed by UUID (anything else in the path is a 404)."""

    schema = AdminAutoSchema()
    permission_classes = [IsStaff]
    lookup_field = LOOKUP_PARAMETER
    lookup_value_regex = UUID_PATTERN


class PeriodField(serializers.CharField):
    """A `YYYY-MM` string at the API boundary, a Period inside."""

    default_error_messages = {"invalid_period": "Expected a period as YYYY-MM (month 01-12, year 2000-2100), got {value!r}."}

    def to_internal_value(self, data) -> Period:
        text = super().to_internal_value(data)
        try:
            return Period.parse(text)
        except ValueError:
            self.fail("invalid_period", value=text[:20])

    def to_representation(self, value) -> str:
        return str(value)


class ArrowReferenceField(serializers.CharField):
    """An Arrow customer or license reference: `XSP` and digits, surrounding blanks trimmed.

    These go into Arrow URL paths, so anything else (`..`, `/`, `?`, `%2e`) is a 400 here,
    before the client (which also quotes them) is involved.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", ARROW_REFERENCE_MAX_LENGTH)
        kwargs.setdefault("validators", arrow_reference_validators())
        super().__init__(**kwargs)


def counted(data, *, count: int | None = None, http_status: int = status.HTTP_200_OK) -> Response:
    """A response carrying X-Result-Count, so HEAD on single-object actions satisfies the client."""
    if count is None:
        count = len(data) if isinstance(data, list) else 1
    return Response(data, status=http_status, headers={"X-Result-Count": str(count)})
